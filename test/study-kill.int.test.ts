import { randomUUID } from 'node:crypto';
import { MLFLOW_TAGS, type FineTuneSpecInput } from '@anneal/contracts';
import type { FineTuneResult } from '@anneal/workflows';
import { connectHarness, tag, type Harness } from './integration/harness';
import { pendingActivity, spawnWorker, waitFor, type WorkerProcess } from './integration/processes';

// A synchronous successive-halving study (9 trials, rungs of 1, 3 and 9 epochs, three at a time) run three times with
// the same seed: undisturbed on one training worker; with that worker SIGKILLed at about a quarter, a half and three
// quarters of the first run's time (a fresh one started each time; trials resume from their checkpoints); and on two
// training workers. Each must end with the same decision log (scores included) and the same best configuration.
jest.setTimeout(900_000);

let h: Harness;
const running: WorkerProcess[] = [];
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => {
  running.forEach((w) => w.child.kill('SIGKILL'));
  await h?.close();
});

const suffix = randomUUID().slice(0, 6);

function studySpec(name: string): FineTuneSpecInput {
  return {
    name,
    dataset: { name: 'mnist-0-9-sha', source: { kind: 'mnist', digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], perClass: 30 }, minPerClass: 15 },
    split: { validation: 0.25, test: 0.25, seed: 6 },
    model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [32] } }] },
    tuning: {
      sampler: 'grid',
      gridPoints: 9,
      trials: 9,
      parallelism: 3,
      seed: 5,
      strategies: ['full'],
      epochs: [9],
      batchSize: 32,
      learningRate: { min: 3e-4, max: 3e-2 },
      patience: 20,
      scheduler: { kind: 'sha', minEpochs: 1, reductionFactor: 3 },
      heartbeatTimeoutSeconds: 5,
    },
    durability: { heartbeatTimeoutSeconds: 3, maxRetryIntervalSeconds: 2 },
    register: { name, alias: 'champion' },
  };
}

async function startWorker(queue: 'cpu' | 'gpu'): Promise<WorkerProcess> {
  const w = spawnWorker(h.stack, { queue });
  running.push(w);
  await w.ready;
  return w;
}

async function study(name: string, during?: () => Promise<void>): Promise<FineTuneResult> {
  const workflowId = `fineTune-${name}`;
  await h.client.workflow.start('fineTune', { taskQueue: 'anneal', workflowId, args: [studySpec(name)] });
  await during?.();
  return h.client.workflow.getHandle(workflowId).result() as Promise<FineTuneResult>;
}

/** A running trial whose training this worker has started, on its first attempt (the trial's id), or undefined. */
async function trainingOn(worker: WorkerProcess): Promise<string | undefined> {
  for await (const w of h.client.workflow.list({ query: "WorkflowType='trial' AND ExecutionStatus='Running'" })) {
    const pending = await pendingActivity(h.client, w.workflowId);
    if (pending?.type === 'fineTune' && pending.identity === worker.identity && pending.attempt === 1) return w.workflowId;
  }
  return undefined;
}

/** How many (trial, epoch) reports the study of a pipeline took. */
async function reportedEpochs(name: string): Promise<number> {
  const result = (await h.client.workflow.getHandle(`fineTune-${name}/study`).result()) as { epochReports: { reported: number } };
  return result.epochReports.reported;
}

const logOf = (r: FineTuneResult) => r.decisions.map((d) => `trial ${d.trial} rung ${d.rung} (${d.epochs} epochs) ${d.score?.toFixed(6)} ${d.decision}`);
const bestOf = (r: FineTuneResult) => r.arms.find((a) => a.champion)!.hyperparameters;

it('killed at a quarter, a half and three quarters, or on two workers, the study ends with the decision log and best configuration of an undisturbed run', async () => {
  const cpu = await startWorker('cpu');
  let gpu = await startWorker('gpu');
  const t0 = Date.now();
  const undisturbed = await study(`sha-once-${suffix}`);
  const seconds = (Date.now() - t0) / 1000;
  expect(undisturbed.decisions.filter((d) => d.decision === 'promoted').length).toBeGreaterThan(0);

  const kills: { at: number; pid: number }[] = [];
  const t1 = Date.now();
  const killed = await study(`sha-killed-${suffix}`, async () => {
    for (const fraction of [0.25, 0.5, 0.75]) {
      const wait = t1 + fraction * seconds * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Then the moment the worker is inside a training it started afresh: each kill hits another trial run.
      await waitFor('a training on the worker', () => trainingOn(gpu), 60_000, 50);
      gpu.child.kill('SIGKILL');
      await gpu.exited;
      kills.push({ at: (Date.now() - t1) / 1000, pid: gpu.child.pid! });
      gpu = await startWorker('gpu');
    }
  });
  process.stderr.write(
    `undisturbed study ${seconds.toFixed(1)} s; killed at ${kills.map((k) => k.at.toFixed(1)).join(', ')} s, done in ${((Date.now() - t1) / 1000).toFixed(1)} s\n`,
  );
  expect(kills).toHaveLength(3);
  // The kills hit training: trial runs were taken over by a later attempt (which resumed from the checkpoint).
  const runs = await h.mlflow.searchRuns({ experimentIds: [killed.experimentId] });
  const retried = runs.filter((r) => tag(r, MLFLOW_TAGS.activityType) === 'fineTune' && Number(tag(r, MLFLOW_TAGS.attempt)) > 1);
  const attempts = retried.map((r) => `${r.info.run_name} (attempt ${tag(r, MLFLOW_TAGS.attempt)})`).join('; ');
  process.stderr.write(`trial runs of the killed study taken over by a later attempt: ${attempts}\n`);
  // Each kill is aimed at a training in progress; one may race with that training's completion and find it done.
  expect(retried.length).toBeGreaterThan(0);
  expect(logOf(killed)).toEqual(logOf(undisturbed));
  expect(bestOf(killed)).toEqual(bestOf(undisturbed));
  // The retries re-ran and re-reported epochs after their checkpoints (and re-sent those before): each counted once.
  expect(await reportedEpochs(`sha-killed-${suffix}`)).toBe(await reportedEpochs(`sha-once-${suffix}`));

  const second = await startWorker('gpu');
  const shared = await study(`sha-two-workers-${suffix}`);
  expect(logOf(shared)).toEqual(logOf(undisturbed));
  expect(bestOf(shared)).toEqual(bestOf(undisturbed));
  for (const w of [cpu, gpu, second]) w.child.kill('SIGTERM');
});

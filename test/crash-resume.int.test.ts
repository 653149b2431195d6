import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { PretrainSpecInput } from '@anneal/contracts';
import type { PretrainResult } from '@anneal/workflows';
import { REPO_ROOT, connectHarness, runsByName, tag, type Harness } from './integration/harness';

jest.setTimeout(240_000);

let h: Harness;
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => h?.close());

const suffix = randomUUID().slice(0, 6);
const spec = (name: string): PretrainSpecInput => ({
  name,
  dataset: { name: 'mnist-0-4', source: { kind: 'mnist', digits: [0, 1, 2, 3, 4], perClass: 300 }, minPerClass: 20 },
  split: { validation: 0.2, test: 0.2, seed: 2 },
  architecture: { kind: 'mlp', hiddenUnits: [64] },
  training: { epochs: 14, batchSize: 8, learningRate: 0.0005, patience: 50, checkpointEvery: 2, heartbeatTimeoutSeconds: 5 },
  register: { name, alias: 'base' },
});

/** A GPU-queue worker in its own process, so it can be killed like a lost machine. */
function gpuWorkerProcess(): ChildProcess {
  const log = openSync(join(h.stack.home, `gpu-worker-${Date.now()}.log`), 'a');
  return spawn(process.execPath, [join(REPO_ROOT, 'packages', 'cli', 'bin', 'anneal.js'), 'worker', '--queue', 'gpu'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: h.stack.temporalAddress,
      MLFLOW_TRACKING_URI: h.stack.mlflowUri,
      ANNEAL_HOME: join(h.stack.home, 'worker-a'),
      ANNEAL_BACKEND: 'wasm',
    },
    stdio: ['ignore', log, log],
  });
}

async function heartbeatOf(workflowId: string): Promise<{ epoch?: number; checkpoint?: { epoch: number } } | undefined> {
  const pending = (
    await h.client.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined)
  )?.raw.pendingActivities?.[0];
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

/** The last epoch whose val_loss the training run of experiment `name` holds in MLflow (-1: none yet). */
async function lastLoggedEpoch(name: string): Promise<number> {
  const experimentId = await h.mlflow.getOrCreateExperiment(name);
  const run = (await h.mlflow.searchRuns({ experimentIds: [experimentId] })).find((r) => r.info.run_name?.startsWith('fine-tune '));
  if (!run) return -1;
  const history = await h.mlflow.getMetricHistory(run.info.run_id, 'val_loss');
  return history.at(-1)?.step ?? -1;
}

it('survives SIGKILL of the training worker: a second worker resumes from the last checkpoint', async () => {
  const name = `crash-${suffix}`;
  const workflowId = `pretrain-${name}`;
  let killedAfterCheckpoint = -1;
  let loggedBeforeKill = -1;
  const result = await h.withWorker(async () => {
    const workerA = gpuWorkerProcess();
    const handle = await h.client.workflow.start('pretrain', { taskQueue: 'anneal', workflowId, args: [spec(name)] });
    // Killed once MLflow holds metrics of epochs after the checkpoint the server knows of: the retry re-runs those
    // epochs, and must not log them a second time (the case that made this test flaky when it was left to timing).
    for (let i = 0; i < 1200 && killedAfterCheckpoint < 0; i++) {
      const checkpoint = (await heartbeatOf(`${workflowId}/train`))?.checkpoint?.epoch ?? -1;
      const logged = checkpoint >= 5 ? await lastLoggedEpoch(name) : -1;
      if (logged > checkpoint) {
        workerA.kill('SIGKILL');
        killedAfterCheckpoint = checkpoint;
        loggedBeforeKill = logged;
      } else await new Promise((r) => setTimeout(r, 100));
    }
    expect(killedAfterCheckpoint).toBeGreaterThanOrEqual(5);
    expect(loggedBeforeKill).toBeGreaterThan(killedAfterCheckpoint);
    // The second worker, in this process, picks the attempt up once the heartbeat timeout (5 s) has passed.
    return h.withWorker(() => handle.result() as Promise<PretrainResult>, ['gpu']);
  }, ['cpu']);

  const runs = [...(await runsByName(h.mlflow, result.experimentId)).values()];
  const fineTuneRuns = runs.filter((r) => r.info.run_name?.startsWith('fine-tune '));
  expect(fineTuneRuns).toHaveLength(1); // the retry continued the same MLflow run
  const run = fineTuneRuns[0]!;
  expect(run.info.status).toBe('FINISHED');
  const resumedFrom = Number(tag(run, 'anneal.resumedFromEpoch'));
  expect(resumedFrom).toBeGreaterThanOrEqual(killedAfterCheckpoint);
  // Attempt 1 started at epoch 0, attempt 2 after the checkpoint: finished epochs were not re-run.
  const starts = await h.mlflow.getMetricHistory(run.info.run_id, 'start_epoch');
  expect(starts.map((m) => [m.step, m.value])).toEqual([
    [1, 0],
    [2, resumedFrom + 1],
  ]);
  // One continuous history: every epoch once.
  const valLoss = await h.mlflow.getMetricHistory(run.info.run_id, 'val_loss');
  expect(valLoss.map((m) => m.step)).toEqual(Array.from({ length: 14 }, (_, i) => i));
  const gap = await h.mlflow.getMetricHistory(run.info.run_id, 'max_heartbeat_gap_ms');
  expect(gap[0]!.value).toBeLessThan(2500); // half the heartbeat timeout

  // Same accuracy as an uninterrupted run, within the noise of shuffling.
  const plain = await h.withWorker(
    () =>
      h.client.workflow.execute('pretrain', {
        taskQueue: 'anneal',
        workflowId: `pretrain-plain-${suffix}`,
        args: [spec(`plain-${suffix}`)],
      }) as Promise<PretrainResult>,
  );
  expect(Math.abs(result.test.accuracy - plain.test.accuracy)).toBeLessThan(0.05);
  process.stderr.write(
    `crash-resume: killed after checkpoint ${killedAfterCheckpoint} with epochs to ${loggedBeforeKill} in MLflow, resumed from ${resumedFrom}, heartbeat gap ${gap[0]!.value} ms, test accuracy ${result.test.accuracy.toFixed(3)} vs uninterrupted ${plain.test.accuracy.toFixed(3)}\n`,
  );
});

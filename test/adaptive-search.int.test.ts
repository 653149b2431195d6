import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FineTuneSpecInput } from '@anneal/contracts';
import type { FineTuneResult } from '@anneal/workflows';
import { REPO_ROOT, connectHarness, param, runsByName, tag, type Harness } from './integration/harness';

// A search that reacts to results: TPE suggests each trial from the validation loss of those that ended (the
// objective, minimized), two trials running at a time, a warm-start configuration first; replayed from its history,
// it suggests the same.
jest.setTimeout(300_000);
const run = promisify(execFile);

let h: Harness;
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => h?.close());

/** A small MLP searched on 300 real digits of 10 classes: the study's settings are each test's own. */
function studySpec(name: string, tuning: FineTuneSpecInput['tuning']): FineTuneSpecInput {
  return {
    name,
    dataset: { name: `mnist-0-9-${name.split('-')[0]}`, source: { kind: 'mnist', digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], perClass: 30 }, minPerClass: 15 },
    split: { validation: 0.25, test: 0.25, seed: 6 },
    model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [32] } }], probeEpochs: 1 },
    tuning,
    register: { name, alias: 'champion' },
  };
}

it('runs a TPE search two trials at a time, warm-started, minimizing validation loss, and replays it deterministically', async () => {
  const name = `tpe-${randomUUID().slice(0, 6)}`;
  const spec = studySpec(name, {
    sampler: 'tpe',
    trials: 5,
    parallelism: 2,
    startupTrials: 2,
    seed: 8,
    strategies: ['full'],
    epochs: [2, 4],
    batchSize: 32,
    learningRate: { min: 1e-4, max: 3e-2 },
    warmStart: [{ learningRate: 0.003, epochs: 4, strategy: 'full' }],
    objective: { metric: 'loss' },
  });
  const workflowId = `fineTune-${name}`;
  const result = await h.withWorker(() => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId, args: [spec] }) as Promise<FineTuneResult>);
  expect(result.failedTrials).toEqual([]);
  expect(result.trials).toHaveLength(5);
  expect(result.trials.every((t) => t.label.endsWith('(tpe)'))).toBe(true);
  // The warm start is trial 0, as given.
  const first = result.trials.find((t) => t.label.startsWith('trial 0 '))!;
  expect(first).toMatchObject({ learningRate: 0.003, epochs: 4, strategy: 'full' });
  // The objective is the validation loss, minimized: the champion is the trial with the lowest.
  const champion = result.arms.find((a) => a.champion)!;
  expect(champion.validation.loss).toBe(Math.min(...result.trials.map((t) => t.validation.loss)));
  // Never more than two trials trained at once: each trial's run, from start to end, overlaps at most one other.
  const all = await runsByName(h.mlflow, result.experimentId);
  const runs = [...all.values()].filter((r) => r.info.run_name?.startsWith('trial '));
  expect(runs).toHaveLength(5);
  const spans = runs.map((r) => [Number(r.info.start_time), Number(r.info.end_time)] as const);
  for (const [start] of spans) expect(spans.filter(([s, e]) => s <= start && start < e).length).toBeLessThanOrEqual(2);
  expect(new Set(runs.map((r) => param(r, 'learning_rate'))).size).toBe(5);
  // The study is a run of its own under the pipeline's, the trials its children, with what it searched and found.
  const study = all.get('study tpe (5 trials)')!;
  expect(tag(study, 'mlflow.parentRunId')).toBe(result.pipelineRunId);
  expect(runs.every((r) => tag(r, 'mlflow.parentRunId') === study.info.run_id)).toBe(true);
  expect([param(study, 'study.sampler'), param(study, 'study.objective'), param(study, 'study.warm_start')]).toEqual(['tpe', 'minimize validation loss', '1']);
  expect(study.info.status).toBe('FINISHED');
  const figures = Object.fromEntries(study.data.metrics.map((m) => [m.key, m.value]));
  expect(figures).toMatchObject({ trials_finished: 5, trials_failed: 0, best_val_loss: champion.validation.loss });
  // The search at a glance on the study's run: the trials best first (lowest loss), and the picture.
  const uri = study.info.artifact_uri;
  const csv = Buffer.from(await h.mlflow.downloadArtifact(`${uri}/search/trials.csv`))
    .toString()
    .trim()
    .split(/\r?\n/);
  expect(csv[0]).toBe('trial,candidate,strategy,learning_rate,epochs,epochs_run,validation_loss');
  expect(csv).toHaveLength(6);
  expect(Number(csv[1]!.split(',').at(-1))).toBe(champion.validation.loss);
  const svg = Buffer.from(await h.mlflow.downloadArtifact(`${uri}/search/objective.svg`)).toString();
  expect(svg).toContain('validation loss by hyperparameter (5 trials)');
  // Replaying the recorded histories against today's code: fineTune's, and its study's (a workflow of its own,
  // where the suggestions are made): the same suggestions, in the same order.
  const files = [];
  for (const [id, file] of [
    [workflowId, `${name}.json`],
    [`${workflowId}/study`, `${name}-study.json`],
  ] as const) {
    const { stdout } = await run(h.stack.temporalBin, ['workflow', 'show', '--workflow-id', id, '--output', 'json', '--address', h.stack.temporalAddress], {
      maxBuffer: 64 << 20,
    });
    files.push(join(h.stack.home, file));
    writeFileSync(join(h.stack.home, file), JSON.stringify({ workflowId: id, history: JSON.parse(stdout) }));
  }
  const replayed = await run(process.execPath, [join(REPO_ROOT, 'workflows', 'test', 'replay-histories.js'), ...files]);
  expect(replayed.stdout).toContain(`replayed ${name}.json`);
  expect(replayed.stdout).toContain(`replayed ${name}-study.json`);
});

it('an ASHA study on the real servers: trials pause after a rung, the best go on from their checkpoints', async () => {
  const name = `asha-${randomUUID().slice(0, 6)}`;
  const spec = studySpec(name, {
    sampler: 'random',
    scheduler: { kind: 'asha', minEpochs: 1, reductionFactor: 3 },
    trials: 6,
    parallelism: 2,
    seed: 4,
    strategies: ['full'],
    epochs: [9],
    batchSize: 32,
    patience: 20,
    learningRate: { min: 1e-4, max: 3e-2 },
  });
  const result = await h.withWorker(
    () => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: `fineTune-${name}`, args: [spec] }) as Promise<FineTuneResult>,
  );
  expect(result.failedTrials).toEqual([]);
  const rung = (k: number) => result.decisions.filter((d) => d.rung === k);
  expect(rung(0)).toHaveLength(6);
  expect(rung(1).length).toBeGreaterThanOrEqual(1);
  expect(rung(1).length).toBeLessThan(6); // asynchronous: those in the top third of their rung when a slot freed
  process.stderr.write(
    `asha decisions: ${result.decisions.map((d) => `trial ${d.trial} rung ${d.rung} (${d.epochs} ep) ${d.score?.toFixed(3) ?? '-'} ${d.decision}`).join('; ')}\n`,
  );
  const runs = [...(await runsByName(h.mlflow, result.experimentId)).values()];
  // A promoted rung's training run starts where the previous rung's checkpoint left off, and logs only its own epochs.
  for (const d of rung(1)) {
    const training = runs.find((r) => r.info.run_name?.startsWith(`fine-tune trial ${d.trial} `) && r.info.run_name.includes('rung 1'))!;
    expect(tag(training, 'anneal.resumedFromEpoch')).toBe('0');
    expect((await h.mlflow.getMetricHistory(training.info.run_id, 'val_loss')).map((m) => m.step)).toEqual([1, 2]);
  }
  // Each rung's trial run carries the scheduler's decision.
  const trialRuns = runs.filter((r) => r.info.run_name?.startsWith('trial ') && r.info.run_name.includes('rung 0'));
  expect(trialRuns).toHaveLength(6);
  expect(new Set(trialRuns.map((r) => tag(r, 'anneal.decision')))).toEqual(new Set(['promoted', 'not promoted']));
  const study = runs.find((r) => r.info.run_name === 'study random + asha (6 trials)')!;
  const uri = study.info.artifact_uri;
  const log = Buffer.from(await h.mlflow.downloadArtifact(`${uri}/search/decisions.csv`))
    .toString()
    .trim()
    .split(/\r?\n/);
  expect(log[0]).toBe('trial,rung,epochs,score,decision');
  expect(log).toHaveLength(result.decisions.length + 1);
  // Every epoch trained was reported to the study by its training activity, once; the best is the best MLflow has.
  const curves = await Promise.all(
    runs.filter((r) => r.info.run_name?.startsWith('fine-tune trial ')).map((r) => h.mlflow.getMetricHistory(r.info.run_id, 'val_accuracy')),
  );
  const studied = (await h.client.workflow.getHandle(`fineTune-${name}/study`).result()) as { epochReports: { reported: number; best: { value: number } } };
  expect(studied.epochReports.reported).toBe(curves.reduce((n, c) => n + c.length, 0));
  expect(studied.epochReports.best.value).toBeCloseTo(Math.max(...curves.flat().map((m) => m.value)), 6);
});

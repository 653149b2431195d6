import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { CPU_TASK_QUEUE, GPU_TASK_QUEUE, type FineTuneSpecInput } from '@anneal/contracts';
import { bundlerOptions, workflowsPath } from '../../packages/cli/src/workflow-source';
import type { FineTuneResult } from './fine-tune';

// fineTune's logic against stub activities on Temporal's dev server (the binary setup installs): arm picking, the
// champion, the skip path, failed trials and a study that reacts to results, in seconds and with no MLflow or tfjs.
jest.setTimeout(120_000);

const TEMPORAL = join(process.env.ANNEAL_VENV ?? join(__dirname, '..', '..', '.venv'), 'bin', 'temporal');
const digest = (c: string) => c.repeat(64);
const dataset = (name: string, rows: number) => ({ uri: `mem://${name}`, digest: digest('d'), name, rows, featureShape: [4], classes: ['a', 'b'], contentDigest: digest('c') });

/** What the stubs saw, for the assertions. */
interface Calls { fineTune: { runName: string; lr: number; stopAfter?: number; resumeFrom?: string; from: number }[]; registered: string[]; running: number; maxRunning: number }

/**
 * Stub activities. A trial's validation accuracy is a function of its learning rate (best at 0.01), read back from
 * the model URI the fine-tune stub writes, so picking the best is checkable; `fail` marks learning rates that fail.
 */
function stubs(calls: Calls, o: { fail?: (lr: number) => boolean; champion?: { version: string; contentDigest: string } } = {}) {
  // Better near lr 0.01, and with more epochs (a rung's budget).
  const accuracyOf = (uri: string) => {
    const lr = Number(/lr=([\d.e-]+)/.exec(uri)?.[1]);
    const epochs = Number(/epochs=(\d+)/.exec(uri)?.[1] ?? 1);
    return 0.9 - Math.abs(Math.log10(lr) + 2) / 10 - 0.1 / epochs;
  };
  let runs = 0;
  return {
    openPipelineRun: async () => ({ experimentId: '1', runId: 'pipeline', runName: 'p' }),
    openChildRun: async (i: { runName: string }) => ({ experimentId: '1', runId: `run-${++runs}`, runName: i.runName }),
    closeRun: async () => undefined,
    ingestDataset: async () => ({ dataset: dataset('all', 100), runId: 'ingest' }),
    validateDataset: async () => ({ passed: true }),
    splitDataset: async () => ({ train: dataset('train', 60), validation: dataset('validation', 20), test: dataset('test', 20), runId: 'split' }),
    championData: async () => o.champion ?? {},
    prepareCandidate: async (i: { candidate: { kind: string } }) => ({
      model: { uri: `mem://${i.candidate.kind}`, digest: digest('a'), name: i.candidate.kind, inputShape: [4], baseLayers: 1 }, label: i.candidate.kind, pretrained: i.candidate.kind !== 'scratch', runId: 'prepare',
    }),
    fineTune: async (i: { runName: string; hyperparameters: { learningRate: number; epochs: number }; stopAfterEpochs?: number; resumeFrom?: { uri: string; epoch: number } }) => {
      const lr = i.hyperparameters.learningRate;
      const until = i.stopAfterEpochs ?? i.hyperparameters.epochs;
      calls.fineTune.push({ runName: i.runName, lr, stopAfter: i.stopAfterEpochs, resumeFrom: i.resumeFrom?.uri, from: i.resumeFrom ? i.resumeFrom.epoch + 1 : 0 });
      calls.maxRunning = Math.max(calls.maxRunning, ++calls.running);
      await new Promise((r) => setTimeout(r, 50));
      calls.running--;
      if (o.fail?.(lr)) throw ApplicationFailure.nonRetryable(`diverged at lr=${lr}`, 'ModelIncompatibleError');
      return {
        model: { uri: `mem://trained/lr=${lr}/epochs=${until}`, digest: digest('b'), name: 'm', inputShape: [4], baseLayers: 1 }, runId: `ft-${lr}`, backend: 'cpu', engine: 'eager', epochsRun: until,
        bestEpoch: until - 1, bestValLoss: 0.5, bestValAccuracy: 0.8, stoppedEarly: false, startEpoch: 0, checkpoint: { uri: `mem://checkpoint/lr=${lr}/epoch-${until - 1}`, digest: digest('e'), epoch: until - 1 },
      };
    },
    evaluateModel: async (i: { model: { uri: string } }) => {
      const accuracy = accuracyOf(i.model.uri);
      return { metrics: { accuracy, macroF1: accuracy, rocAucMacro: accuracy, loss: 1 - accuracy }, confusionMatrix: [[1, 0], [0, 1]], classes: ['a', 'b'], runId: 'eval' };
    },
    plotLearningCurves: async () => undefined,
    reportSearch: async () => undefined,
    registerModel: async (i: { model: { uri: string }; name: string; alias: string }) => {
      calls.registered.push(i.model.uri);
      return { name: i.name, version: '1', alias: i.alias };
    },
  };
}

const spec = (tuning: FineTuneSpecInput['tuning'], extra: Partial<FineTuneSpecInput> = {}): FineTuneSpecInput => ({
  name: 'stubbed',
  dataset: { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } },
  model: { candidates: [{ kind: 'registry', name: 'base' }, { kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } }] },
  tuning,
  ...extra,
});

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  if (!existsSync(TEMPORAL)) throw new Error(`${TEMPORAL} is missing: run bash deploy/local/setup.sh (it installs the temporal CLI)`);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: TEMPORAL }, ip: '127.0.0.1', ui: false } });
  bundle = await bundleWorkflowCode({ workflowsPath: workflowsPath(), ...bundlerOptions(), logger: new DefaultLogger('ERROR') });
});
afterAll(async () => env?.teardown());

let n = 0;
async function run(input: FineTuneSpecInput, o: Parameters<typeof stubs>[1] = {}): Promise<{ result?: FineTuneResult; error?: unknown; calls: Calls }> {
  const calls: Calls = { fineTune: [], registered: [], running: 0, maxRunning: 0 };
  const activities = stubs(calls, o);
  const workers = await Promise.all([CPU_TASK_QUEUE, GPU_TASK_QUEUE].map((taskQueue) => Worker.create({
    connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities, ...(taskQueue === GPU_TASK_QUEUE ? { maxConcurrentActivityTaskExecutions: 8 } : {}),
  })));
  const id = `stubbed-${++n}`;
  const execution = env.client.workflow.execute('fineTune', { taskQueue: CPU_TASK_QUEUE, workflowId: id, args: [input] }) as Promise<FineTuneResult>;
  const [settled] = await Promise.allSettled([Promise.all(workers.map((w) => w.runUntil(execution)))]);
  return settled.status === 'fulfilled' ? { result: await execution, calls } : { error: settled.reason, calls };
}

describe('fineTune against stub activities', () => {
  it('probes both candidates, tunes the better, and registers the best trial of the best arm', async () => {
    const { result, calls } = await run(spec({ trials: 4, seed: 3, strategies: ['feature-extraction', 'full'], epochs: [2], learningRate: { min: 1e-3, max: 1e-1 } }));
    expect(result!.probes).toHaveLength(2);
    expect(result!.trials).toHaveLength(4);
    const best = Math.max(...result!.trials.map((t) => t.validationAccuracy));
    const champion = result!.arms.find((a) => a.champion)!;
    expect(champion.validation.accuracy).toBe(best);
    // Each strategy's arm is its best trial.
    for (const arm of result!.arms.filter((a) => !a.arm.includes('probe'))) {
      const own = result!.trials.filter((t) => arm.arm.endsWith(t.hyperparameters.strategy)).map((t) => t.validationAccuracy);
      expect(arm.validation.accuracy).toBe(Math.max(...own));
    }
    expect(calls.registered).toEqual([`mem://trained/lr=${champion.hyperparameters.learningRate}/epochs=2`]);
  });

  it('trains nothing when the champion was trained on the same rows', async () => {
    const { result, calls } = await run(spec({ trials: 2 }, { register: { name: 'm', alias: 'champion', skipIfDataUnchanged: true } }), { champion: { version: '7', contentDigest: digest('c') } });
    expect(result!.skipped?.reason).toBe('m@champion (version 7) was trained on the same rows');
    expect(calls.fineTune).toEqual([]);
  });

  it('records a failed trial and goes on; fails with AllTrialsFailed, naming each, when every trial fails', async () => {
    const some = await run(spec({ trials: 4, seed: 3, strategies: ['full'], epochs: [2], learningRate: { min: 1e-3, max: 1e-1 } }), { fail: (lr) => lr > 0.03 });
    expect(some.result!.failedTrials.length).toBeGreaterThan(0);
    expect(some.result!.failedTrials.every((f) => /ModelIncompatibleError: diverged at lr=/.test(f.error))).toBe(true);
    expect(some.result!.trials.length + some.result!.failedTrials.length).toBe(4);
    const all = await run(spec({ trials: 2, strategies: ['full'], epochs: [2] }), { fail: () => true });
    const cause = (all.error as { cause?: { type?: string; message?: string } }).cause;
    expect(cause?.type).toBe('AllTrialsFailedError');
    expect(cause?.message).toMatch(/^every probe failed: probe registry: ModelIncompatibleError: diverged at lr=/);
  });

  it('a TPE study: warm start first, never more than `parallelism` trials at once, each suggestion after results', async () => {
    const { result, calls } = await run(spec({
      sampler: 'tpe', trials: 6, parallelism: 2, startupTrials: 2, seed: 5, strategies: ['full'], epochs: [2], learningRate: { min: 1e-4, max: 1 },
      warmStart: [{ learningRate: 0.5, epochs: 2, strategy: 'full' }],
    }, { model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } }] } }));
    const trials = calls.fineTune.filter((c) => c.runName.startsWith('fine-tune trial'));
    expect(trials).toHaveLength(6);
    expect(trials.find((t) => t.runName.startsWith('fine-tune trial 0 '))!.lr).toBe(0.5);
    expect(calls.maxRunning).toBeLessThanOrEqual(2);
    // The estimator moves towards the optimum (lr 0.01) once results come in: the later half beats the warm start.
    const later = result!.trials.filter((t) => /^trial [345] /.test(t.label)).map((t) => t.validationAccuracy);
    const warm = result!.trials.find((t) => t.label.startsWith('trial 0 '))!.validationAccuracy;
    expect(Math.max(...later)).toBeGreaterThan(warm);
  });

  it('an ASHA study pauses every trial after its first rung and promotes the best, each going on from its checkpoint', async () => {
    const { result, calls } = await run(spec({
      sampler: 'random', scheduler: { kind: 'asha', minEpochs: 1, reductionFactor: 3 }, trials: 9, parallelism: 3, seed: 2, strategies: ['full'], epochs: [9],
      learningRate: { min: 1e-4, max: 1 },
    }, { model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } }] } }));
    const runs = calls.fineTune.filter((c) => c.runName.startsWith('fine-tune trial'));
    const byRung = (k: number) => result!.decisions.filter((d) => d.rung === k);
    expect(byRung(0)).toHaveLength(9);
    // Asynchronous: a trial is promoted when it is in the top third of its rung at that moment, so how many go on
    // depends on the order results arrive; fewer than all of them, always.
    expect(byRung(1).length).toBeGreaterThanOrEqual(1);
    expect(byRung(1).length).toBeLessThan(9);
    expect(byRung(2).length).toBeLessThan(byRung(1).length + 1);
    expect(result!.decisions.filter((d) => d.decision === 'promoted').length).toBe(byRung(1).length + byRung(2).length);
    expect(result!.decisions.some((d) => d.decision === 'not promoted')).toBe(true);
    // A promoted run goes on from the checkpoint its previous rung left, never from scratch.
    for (const r of runs.filter((x) => x.resumeFrom)) expect(r.resumeFrom).toBe(`mem://checkpoint/lr=${r.lr}/epoch-${r.from - 1}`);
    expect(runs.filter((x) => x.from === 0)).toHaveLength(9);
    // Epochs trained in all: each rung run trains only its new epochs, far below nine trials of nine epochs each.
    const epochs = runs.reduce((n, r) => n + (r.stopAfter as number) - r.from, 0);
    expect(epochs).toBe(9 + 2 * byRung(1).length + 6 * byRung(2).length);
    expect(epochs).toBeLessThan(81 / 2);
    expect(result!.trials).toHaveLength(9);
  });

  it('synchronous successive halving makes the same decisions one trial at a time as three at a time', async () => {
    const study = (parallelism: number) => run(spec({
      sampler: 'random', scheduler: { kind: 'sha', minEpochs: 1, reductionFactor: 3 }, trials: 9, parallelism, seed: 2, strategies: ['full'], epochs: [9],
      learningRate: { min: 1e-4, max: 1 },
    }, { model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } }] } }));
    const [one, three] = [await study(1), await study(3)];
    const log = (r: { result?: FineTuneResult }) => r.result!.decisions.map((d) => `${d.trial}@${d.rung}:${d.decision}`).sort();
    expect(log(one)).toEqual(log(three));
    // Nine at rung 0, their top three at rung 1, its best at rung 2 (all nine epochs).
    expect([0, 1, 2].map((k) => one.result!.decisions.filter((d) => d.rung === k).length)).toEqual([9, 3, 1]);
    expect(three.calls.maxRunning).toBeLessThanOrEqual(3);
  });
});


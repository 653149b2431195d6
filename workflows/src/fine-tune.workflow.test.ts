import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { CPU_TASK_QUEUE, GPU_TASK_QUEUE, type FineTuneSpecInput } from '@anneal/contracts';
import { bundlerOptions, workflowsPath } from '../../packages/cli/src/workflow-source';
import type { FineTuneResult } from './fine-tune';
import type { TuneResult } from './tune';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import type { PromotionStatus } from './promotion';
import type { SearchResult } from './adaptive-search';
import { unpackState } from './packed-state';
import type { FineTuneProgress } from './pipeline-progress';

// fineTune's logic against stub activities on Temporal's dev server (the binary setup installs): arm picking, the
// champion, the skip path, failed trials and a study that reacts to results, in seconds and with no MLflow or tfjs.
jest.setTimeout(120_000);

const TEMPORAL = join(process.env.ANNEAL_VENV ?? join(__dirname, '..', '..', '.venv'), 'bin', 'temporal');
const digest = (c: string) => c.repeat(64);
const dataset = (name: string, rows: number) => ({
  uri: `mem://${name}`,
  digest: digest('d'),
  name,
  rows,
  featureShape: [4],
  classes: ['a', 'b'],
  contentDigest: digest('c'),
});

/** What the stubs saw, for the assertions. */
interface Calls {
  fineTune: { runName: string; lr: number; stopAfter?: number; resumeFrom?: string; from: number; batchSize: number; headDropout: number }[];
  registered: string[];
  running: number;
  maxRunning: number;
  /** The stub registry: alias -> version, and the decisions recorded. */
  aliases: Map<string, string>;
  decisions: string[];
  gated: { champion?: string; rowsFrom: string }[];
  closed: { runId: string; status: string }[];
  /** Child runs opened, by name, with their parent; and the runs each search report went to. */
  opened: { runName: string; runId: string; parentRunId: string }[];
  reports: { runId: string; trials: number }[];
  /** The datasets models were evaluated on, by name. */
  evaluatedOn: string[];
}

interface StubOptions {
  fail?: (lr: number) => boolean;
  champion?: { version: string; contentDigest: string };
  /** The gate's verdict (default: passed). */
  gatePasses?: boolean;
  /** Someone else moves the champion to this version while the workflow waits for approval. */
  movedMeanwhile?: string;
  /** Training never ends (it heartbeats until cancelled). */
  hang?: boolean;
  /** The workflow started (default fineTune). */
  workflow?: 'fineTune' | 'tune';
}

/**
 * Stub activities. A trial's validation accuracy is a function of its learning rate (best at 0.01), read back from
 * the model URI the fine-tune stub writes, so picking the best is checkable; `fail` marks learning rates that fail.
 */
function stubs(calls: Calls, o: StubOptions = {}) {
  // Better near lr 0.01, with more epochs (a rung's budget), and from the pretrained base than from scratch.
  const accuracyOf = (uri: string) => {
    const lr = Number(/lr=([\d.e-]+)/.exec(uri)?.[1]);
    const epochs = Number(/epochs=(\d+)/.exec(uri)?.[1] ?? 1);
    return 0.9 - Math.abs(Math.log10(lr) + 2) / 10 - 0.1 / epochs - (uri.endsWith('/scratch') ? 0.15 : 0);
  };
  let runs = 0;
  return {
    openPipelineRun: async () => ({ experimentId: '1', runId: 'pipeline', runName: 'p' }),
    openChildRun: async (i: { runName: string; tracking: { parentRunId: string } }) => {
      calls.opened.push({ runName: i.runName, runId: `run-${++runs}`, parentRunId: i.tracking.parentRunId });
      return { experimentId: '1', runId: `run-${runs}`, runName: i.runName };
    },
    closeRun: async (i: { runId: string; status: string }) => {
      calls.closed.push({ runId: i.runId, status: i.status });
    },
    ingestDataset: async () => ({ dataset: dataset('all', 100), runId: 'ingest' }),
    validateDataset: async () => ({ passed: true }),
    splitDataset: async () => ({ train: dataset('train', 60), validation: dataset('validation', 20), test: dataset('test', 20), runId: 'split' }),
    championData: async () => o.champion ?? {},
    prepareCandidate: async (i: { candidate: { kind: string } }) => ({
      model: { uri: `mem://${i.candidate.kind}`, digest: digest('a'), name: i.candidate.kind, inputShape: [4], baseLayers: 1 },
      label: i.candidate.kind,
      pretrained: i.candidate.kind !== 'scratch',
      runId: 'prepare',
    }),
    fineTune: async (i: {
      runName: string;
      model: { uri: string };
      hyperparameters: { learningRate: number; epochs: number; batchSize: number; regularization: { headDropout: number } };
      stopAfterEpochs?: number;
      resumeFrom?: { uri: string; epoch: number };
      reportTo?: { workflowId: string; trial: number };
    }) => {
      const lr = i.hyperparameters.learningRate;
      const until = i.stopAfterEpochs ?? i.hyperparameters.epochs;
      calls.fineTune.push({
        runName: i.runName,
        lr,
        stopAfter: i.stopAfterEpochs,
        resumeFrom: i.resumeFrom?.uri,
        from: i.resumeFrom ? i.resumeFrom.epoch + 1 : 0,
        batchSize: i.hyperparameters.batchSize,
        headDropout: i.hyperparameters.regularization.headDropout,
      });
      calls.maxRunning = Math.max(calls.maxRunning, ++calls.running);
      for (let beats = 0; o.hang; beats++) {
        Context.current().heartbeat(beats);
        await Context.current().sleep(100);
      }
      await new Promise((r) => setTimeout(r, 50));
      if (i.reportTo) await reportEpochs(i.reportTo, { lr, from: i.resumeFrom ? i.resumeFrom.epoch + 1 : 0, until });
      calls.running--;
      if (o.fail?.(lr)) throw ApplicationFailure.nonRetryable(`diverged at lr=${lr}`, 'ModelIncompatibleError');
      return {
        model: {
          uri: `mem://trained/lr=${lr}/epochs=${until}${i.model.uri === 'mem://scratch' ? '/scratch' : ''}`,
          digest: digest('b'),
          name: 'm',
          inputShape: [4],
          baseLayers: 1,
        },
        runId: `ft-${lr}`,
        backend: 'cpu',
        engine: 'eager',
        epochsRun: until,
        bestEpoch: until - 1,
        bestValLoss: 0.5,
        bestValAccuracy: 0.8,
        stoppedEarly: false,
        startEpoch: 0,
        checkpoint: { uri: `mem://checkpoint/lr=${lr}/epoch-${until - 1}`, digest: digest('e'), epoch: until - 1 },
      };
    },
    evaluateModel: async (i: { model: { uri: string }; dataset: { name: string } }) => {
      calls.evaluatedOn.push(i.dataset.name);
      const accuracy = accuracyOf(i.model.uri);
      return {
        metrics: { accuracy, macroF1: accuracy, rocAucMacro: accuracy, loss: 1 - accuracy },
        confusionMatrix: [
          [1, 0],
          [0, 1],
        ],
        classes: ['a', 'b'],
        runId: 'eval',
      };
    },
    plotLearningCurves: async () => undefined,
    reportSearch: async (i: { tracking: { parentRunId: string }; trials: unknown[] }) => {
      calls.reports.push({ runId: i.tracking.parentRunId, trials: i.trials.length });
    },
    registerModel: async (i: { model: { uri: string }; name: string; alias: string }) => {
      calls.registered.push(i.model.uri);
      return { name: i.name, version: '1', alias: i.alias };
    },
    ...registryStubs(calls, o),
  };
}

/**
 * Each epoch's report to the study, as the training activity sends it, every one twice: what a retried attempt that
 * re-ran its epochs would send. Validation accuracy rises with the epoch, best near lr 0.01.
 */
async function reportEpochs(to: { workflowId: string; trial: number }, o: { lr: number; from: number; until: number }) {
  const study = Context.current().client.workflow.getHandle(to.workflowId);
  for (let epoch = o.from; epoch < o.until; epoch++) {
    const report = { trial: to.trial, epoch, valAccuracy: epochAccuracy(o.lr, epoch), valLoss: 0.5 };
    for (let twice = 0; twice < 2; twice++) await study.signal('trialEpoch', report);
  }
}
const epochAccuracy = (lr: number, epoch: number) => 0.9 - Math.abs(Math.log10(lr) + 2) / 10 - 0.1 / (epoch + 1);

/** An in-memory registry with the real one's compare-and-set, and a gate whose verdict the test chooses. */
function registryStubs(calls: Calls, o: StubOptions) {
  if (o.champion) calls.aliases.set('champion', o.champion.version);
  const model = { uri: 'mem://champion', digest: digest('f'), name: 'm', inputShape: [4], baseLayers: 1 };
  return {
    describeAlias: async (i: { name: string; alias: string }) => {
      const version = calls.aliases.get(i.alias);
      if (!version) return null;
      return {
        name: i.name,
        alias: i.alias,
        version,
        model,
        testSplit: dataset('test', 20),
        ...(o.champion?.version === version ? { contentDigest: o.champion.contentDigest } : {}),
      };
    },
    registerVersion: async (i: { model: { uri: string } }) => {
      calls.registered.push(i.model.uri);
      return { name: 'm', version: '8' };
    },
    moveAlias: async (i: { alias: string; version: string }) => {
      const from = calls.aliases.get(i.alias) ?? null;
      calls.aliases.set(i.alias, i.version);
      return { name: 'm', alias: i.alias, from, to: i.version, auditRunId: 'audit' };
    },
    gateChallenger: async (i: { challenger: { version: string }; champion?: { version: string }; rowsFrom: string }) => {
      calls.gated.push({ ...(i.champion ? { champion: i.champion.version } : {}), rowsFrom: i.rowsFrom });
      if (o.movedMeanwhile) calls.aliases.set('champion', o.movedMeanwhile);
      const passed = o.gatePasses ?? true;
      const side = { version: i.challenger.version, metrics: { accuracy: 0.9, macroF1: 0.9, rocAucMacro: 0.9, loss: 0.1 }, recall: [0.9, 0.9] };
      return {
        passed,
        checks: [{ name: 'improvement accuracy', passed, detail: passed ? '+0.01' : '-0.02' }],
        classes: ['a', 'b'],
        rows: 20,
        rowsFrom: i.rowsFrom,
        challenger: side,
      };
    },
    recordDecision: async (i: { decision: string; approver?: string }) => {
      calls.decisions.push(`${i.decision}${i.approver ? ` by ${i.approver}` : ''}`);
      return 'audit';
    },
    promote: async (i: { version: string; alias: string; expectedChampion: string | null }) => {
      const current = calls.aliases.get(i.alias) ?? null;
      if (current !== i.expectedChampion)
        throw ApplicationFailure.nonRetryable(
          `m@champion moved since it was read: expected v${i.expectedChampion}, found v${current}; nothing was moved`,
          'AliasMovedError',
        );
      if (current) calls.aliases.set('previous', current);
      calls.aliases.set(i.alias, i.version);
      return [];
    },
  };
}

const spec = (tuning: FineTuneSpecInput['tuning'], extra: Partial<FineTuneSpecInput> = {}): FineTuneSpecInput => ({
  name: 'stubbed',
  dataset: { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } },
  model: {
    candidates: [
      { kind: 'registry', name: 'base' },
      { kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } },
    ],
  },
  tuning,
  ...extra,
});

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  if (!existsSync(TEMPORAL)) throw new Error(`${TEMPORAL} is missing: run bash deploy/local/setup.sh (it installs the temporal CLI)`);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: TEMPORAL }, ip: '127.0.0.1', ui: false, searchAttributes: Object.values(SEARCH_ATTRIBUTES) },
  });
  bundle = await bundleWorkflowCode({ workflowsPath: workflowsPath(), ...bundlerOptions(), logger: new DefaultLogger('ERROR') });
});
afterAll(async () => env?.teardown());

let n = 0;
async function run(
  input: FineTuneSpecInput,
  o: StubOptions = {},
  during?: (handle: WorkflowHandle) => Promise<void>,
): Promise<{ result?: FineTuneResult; error?: unknown; calls: Calls; id: string }> {
  const calls: Calls = {
    fineTune: [],
    registered: [],
    running: 0,
    maxRunning: 0,
    aliases: new Map(),
    decisions: [],
    gated: [],
    closed: [],
    opened: [],
    reports: [],
    evaluatedOn: [],
  };
  const activities = stubs(calls, o);
  const workers = await Promise.all(
    [CPU_TASK_QUEUE, GPU_TASK_QUEUE].map((taskQueue) =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities,
        ...(taskQueue === GPU_TASK_QUEUE ? { maxConcurrentActivityTaskExecutions: 8 } : {}),
      }),
    ),
  );
  const id = `stubbed-${++n}`;
  const handle = await env.client.workflow.start(o.workflow ?? 'fineTune', { taskQueue: CPU_TASK_QUEUE, workflowId: id, args: [input] });
  const execution = handle.result() as Promise<FineTuneResult>;
  // A failed assertion in `during` ends the workflow (it may be waiting days for an approval) and fails the test.
  const watcher = during?.(handle).catch(async (err: unknown) => {
    await handle.terminate('the test failed').catch(() => undefined);
    throw err;
  });
  // The workers serve until both are over: `during` may query the workflow once it has ended.
  const over = Promise.allSettled([execution, watcher]);
  await Promise.all(workers.map((w) => w.runUntil(over)));
  const [ended, watched] = await over;
  if (watched.status === 'rejected') throw watched.reason;
  return ended.status === 'fulfilled' ? { result: ended.value, calls, id } : { error: ended.reason, calls, id };
}

describe('fineTune against stub activities', () => {
  it('probes both candidates, tunes the better, and registers the best trial of the best arm', async () => {
    const { result, calls } = await run(
      spec({ trials: 4, seed: 3, strategies: ['feature-extraction', 'full'], epochs: [2], learningRate: { min: 1e-3, max: 1e-1 } }),
    );
    expect(result!.probes).toHaveLength(2);
    expect(result!.trials).toHaveLength(4);
    const best = Math.max(...result!.trials.map((t) => t.validationAccuracy));
    const champion = result!.arms.find((a) => a.champion)!;
    expect(champion.validation.accuracy).toBe(best);
    // Each strategy's arm is its best trial.
    for (const arm of result!.arms.filter((a) => !a.arm.includes('probe'))) {
      const own = result!.trials.filter((t) => arm.arm.endsWith(t.strategy)).map((t) => t.validationAccuracy);
      expect(arm.validation.accuracy).toBe(Math.max(...own));
    }
    expect(calls.registered).toEqual([`mem://trained/lr=${champion.hyperparameters.learningRate}/epochs=2`]);
  });

  it('trains nothing when the champion was trained on the same rows', async () => {
    const { result, calls } = await run(spec({ trials: 2 }, { register: { name: 'm', alias: 'champion', skipIfDataUnchanged: true } }), {
      champion: { version: '7', contentDigest: digest('c') },
    });
    expect(result!.skipped?.reason).toBe('m@champion (version 7) was trained on the same rows');
    expect(calls.fineTune).toEqual([]);
  });

  it('records a failed trial and goes on; fails with AllTrialsFailed, naming each, when every trial fails', async () => {
    const some = await run(spec({ trials: 4, seed: 3, strategies: ['full'], epochs: [2], learningRate: { min: 1e-3, max: 1e-1 } }), {
      fail: (lr) => lr > 0.03,
    });
    expect(some.result!.failedTrials.length).toBeGreaterThan(0);
    expect(some.result!.failedTrials.every((f) => /ModelIncompatibleError: diverged at lr=/.test(f.error))).toBe(true);
    expect(some.result!.trials.length + some.result!.failedTrials.length).toBe(4);
    const all = await run(spec({ trials: 2, strategies: ['full'], epochs: [2] }), { fail: () => true });
    const cause = (all.error as { cause?: { type?: string; message?: string } }).cause;
    expect(cause?.type).toBe('AllTrialsFailedError');
    expect(cause?.message).toMatch(/^every probe failed: probe registry: ModelIncompatibleError: diverged at lr=/);
  });

  it('a TPE study: warm start first, never more than `parallelism` trials at once, each suggestion after results', async () => {
    const { result, calls } = await run(
      spec(
        {
          sampler: 'tpe',
          trials: 6,
          parallelism: 2,
          startupTrials: 2,
          seed: 5,
          strategies: ['full'],
          epochs: [2],
          learningRate: { min: 1e-4, max: 1 },
          warmStart: [{ learningRate: 0.5, epochs: 2, strategy: 'full' }],
        },
        { model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } }] } },
      ),
    );
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
    let progress: FineTuneProgress | undefined;
    const { result, calls, id } = await run(
      spec(
        {
          sampler: 'random',
          scheduler: { kind: 'asha', minEpochs: 1, reductionFactor: 3 },
          trials: 9,
          parallelism: 3,
          seed: 2,
          strategies: ['full'],
          epochs: [9],
          learningRate: { min: 1e-4, max: 1 },
        },
        { model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } }] } },
      ),
      {},
      async (handle) => {
        await handle.result().catch(() => undefined);
        progress = await handle.query<FineTuneProgress>('progress');
      },
    );
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
    // Every epoch trained reached the study once, though each was sent twice; fineTune's progress has the best.
    const studied = (await env.client.workflow.getHandle(`${id}/study`).result()) as SearchResult;
    expect(studied.epochReports!.reported).toBe(epochs);
    const best = Math.max(...runs.flatMap((r) => Array.from({ length: (r.stopAfter as number) - r.from }, (_, k) => epochAccuracy(r.lr, r.from + k))));
    expect(progress!.best!.value).toBeCloseTo(best, 12);
  });

  it('select search: the candidate is a dimension of an ASHA study, no probe, and the pretrained base wins', async () => {
    const { result, calls } = await run(
      spec(
        {
          sampler: 'tpe',
          startupTrials: 4,
          scheduler: { kind: 'asha', minEpochs: 1, reductionFactor: 3 },
          trials: 9,
          parallelism: 3,
          seed: 4,
          strategies: ['feature-extraction', 'full'],
          epochs: [9],
          learningRate: { min: 1e-3, max: 1e-1 },
        },
        { model: { ...spec({}).model, select: 'search' } },
      ),
    );
    expect(result!.probes).toEqual([]);
    expect(calls.fineTune.some((c) => c.runName.includes('probe'))).toBe(false);
    expect(result!.decisions.filter((d) => d.rung === 0)).toHaveLength(9);
    const on = (label: string) => result!.trials.filter((t) => t.label.startsWith('trial ') && t.label.includes(` ${label} `));
    expect(on('registry').length).toBeGreaterThan(0);
    expect(on('scratch').length).toBeGreaterThan(0);
    expect(on('registry').length + on('scratch').length).toBe(9);
    // A from-scratch net is never frozen: the sampler gives it full fine-tuning only.
    expect(on('scratch').every((t) => t.strategy === 'full')).toBe(true);
    expect(result!.selectedModel).toBe('2 searched together, best registry');
    const champion = result!.arms.find((a) => a.champion)!;
    expect(champion.arm).toMatch(/^pretrained registry /);
    expect(result!.arms.some((a) => a.arm === 'scratch scratch full')).toBe(true);
    expect(calls.registered).toEqual([expect.not.stringMatching(/scratch$/)]);
    // The study is an MLflow run of its own under the pipeline's, its trials under it, its report on it.
    const study = calls.opened.filter((r) => r.runName.startsWith('study '));
    expect(study).toEqual([{ runName: 'study tpe + asha (9 trials)', runId: expect.any(String), parentRunId: 'pipeline' }]);
    const trialRuns = calls.opened.filter((r) => r.runName.startsWith('trial '));
    expect(trialRuns).toHaveLength(9 + result!.decisions.filter((d) => d.decision === 'promoted').length);
    expect(trialRuns.every((r) => r.parentRunId === study[0]!.runId)).toBe(true);
    expect(calls.reports).toEqual([{ runId: study[0]!.runId, trials: 9 }]);
    expect(calls.closed).toContainEqual({ runId: study[0]!.runId, status: 'FINISHED' });
  });

  it('searches further dimensions: each trial trains with the batch size and dropout picked for it', async () => {
    const { result, calls } = await run(
      spec(
        {
          sampler: 'grid',
          gridPoints: 1,
          trials: 4,
          parallelism: 2,
          strategies: ['full'],
          epochs: [2],
          dimensions: { batchSize: [16, 64], headDropout: [0, 0.25] },
        },
        { model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } }] } },
      ),
    );
    const trials = calls.fineTune.filter((t) => !t.runName.includes('probe'));
    expect(trials.map((t) => `${t.batchSize}/${t.headDropout}`).sort()).toEqual(['16/0', '16/0.25', '64/0', '64/0.25']);
    for (const t of trials) expect(t.runName).toContain(`batchSize=${t.batchSize} headDropout=${t.headDropout}`);
    expect(result!.trials).toHaveLength(4);
  });

  it('synchronous successive halving makes the same decisions one trial at a time as three at a time', async () => {
    const study = (parallelism: number) =>
      run(
        spec(
          {
            sampler: 'random',
            scheduler: { kind: 'sha', minEpochs: 1, reductionFactor: 3 },
            trials: 9,
            parallelism,
            seed: 2,
            strategies: ['full'],
            epochs: [9],
            learningRate: { min: 1e-4, max: 1 },
          },
          { model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } }] } },
        ),
      );
    const [one, three] = [await study(1), await study(3)];
    // The log itself, not only its set: a synchronous study lists each rung in trial order, whatever ended first.
    const log = (r: { result?: FineTuneResult }) => r.result!.decisions.map((d) => `${d.trial}@${d.rung}:${d.decision}`);
    expect(log(one)).toEqual(log(three));
    // Nine at rung 0, their top three at rung 1, its best at rung 2 (all nine epochs).
    expect([0, 1, 2].map((k) => one.result!.decisions.filter((d) => d.rung === k).length)).toEqual([9, 3, 1]);
    expect(three.calls.maxRunning).toBeLessThanOrEqual(3);
  });
});

describe('the study, a workflow of its own', () => {
  it('carries its state into each new run and decides as a study that does not; fineTune counts every trial', async () => {
    const tuning = {
      sampler: 'random' as const,
      scheduler: { kind: 'sha' as const, minEpochs: 1, reductionFactor: 3 },
      trials: 9,
      parallelism: 3,
      seed: 2,
      strategies: ['full' as const],
      epochs: [9],
      learningRate: { min: 1e-4, max: 1 },
    };
    const scratch = { model: { candidates: [{ kind: 'scratch' as const, architecture: { kind: 'mlp' as const, hiddenUnits: [8] } }] } };
    let trialsDone = -1;
    const once = await run(spec(tuning, scratch));
    const carried = await run(spec({ ...tuning, continueAsNewAfterEvents: 20 }, scratch), {}, async (handle) => {
      await handle.result().catch(() => undefined);
      trialsDone = (await handle.query<{ trialsDone: number }>('progress')).trialsDone;
    });
    const log = (r: { result?: FineTuneResult }) => r.result!.decisions.map((d) => `${d.trial}@${d.rung}:${d.score}:${d.decision}`);
    expect(log(carried)).toEqual(log(once));
    expect(carried.result!.arms.find((a) => a.champion)!.hyperparameters).toEqual(once.result!.arms.find((a) => a.champion)!.hyperparameters);
    expect(carried.calls.fineTune.map((c) => c.runName).sort()).toEqual(once.calls.fineTune.map((c) => c.runName).sort());
    expect(trialsDone).toBe(9);
    // One study run across the study's runs; its result keeps the whole result of its one arm's best, a row for each.
    expect(carried.calls.opened.filter((r) => r.runName.startsWith('study '))).toHaveLength(1);
    const studied = (await env.client.workflow.getHandle(`${carried.id}/study`).result()) as SearchResult;
    expect([studied.trials.length, studied.table!.length]).toEqual([1, 9]);
    // The count of epochs heard goes on across the study's runs: every epoch trained, once.
    const trained = carried.calls.fineTune.filter((c) => c.runName.startsWith('fine-tune trial')).reduce((n, r) => n + (r.stopAfter as number) - r.from, 0);
    expect(studied.epochReports!.reported).toBe(trained);
    expect(carried.result!.trials).toHaveLength(9);
    // The study ran as several runs of one workflow, each after the last continued as new.
    const runs = async () => {
      let n = 0;
      for await (const w of env.client.workflow.list({ query: `WorkflowId = '${carried.id}/study'` })) n += w.status.name === 'CONTINUED_AS_NEW' ? 1 : 0;
      return n;
    };
    let continued = await runs();
    for (let i = 0; i < 50 && continued < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      continued = await runs();
    }
    expect(continued).toBeGreaterThanOrEqual(2);
    // Each run handed its state on packed, beside an input without it: bytes, not JSON, on the continue-as-new event.
    let packedRuns = 0;
    for await (const w of env.client.workflow.list({ query: `WorkflowId = '${carried.id}/study' AND ExecutionStatus = 'ContinuedAsNew'` })) {
      const { events } = await env.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      const [input, packed] = events!.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)!.workflowExecutionContinuedAsNewEventAttributes!.input!
        .payloads!;
      expect(defaultPayloadConverter.fromPayload<{ state?: unknown }>(input!).state).toBeUndefined();
      expect(Buffer.from(packed!.metadata!.encoding!).toString()).toBe('binary/plain');
      expect(unpackState(packed!.data!).next).toBeGreaterThan(0);
      packedRuns++;
    }
    expect(packedRuns).toBe(continued);
  });

  it('cancelling fineTune cancels its study, and the study its trials: their runs end KILLED', async () => {
    const scratch = { model: { candidates: [{ kind: 'scratch' as const, architecture: { kind: 'mlp' as const, hiddenUnits: [8] } }] } };
    // A short heartbeat timeout: heartbeats (which carry the cancellation back) are throttled to 80 % of it.
    const tuning = {
      sampler: 'tpe' as const,
      trials: 4,
      parallelism: 2,
      strategies: ['full' as const],
      epochs: [9],
      scheduler: { kind: 'asha' as const },
      heartbeatTimeoutSeconds: 5,
    };
    const { error, calls, id } = await run(spec(tuning, { model: { ...scratch.model, select: 'search' } }), { hang: true }, async (handle) => {
      const training = async (i: number) =>
        (
          await env.client.workflow
            .getHandle(`${handle.workflowId}/trial-${i}`)
            .describe()
            .catch(() => undefined)
        )?.raw.pendingActivities?.length;
      for (let i = 0; i < 100 && !((await training(0)) && (await training(1))); i++) await new Promise((r) => setTimeout(r, 100));
      await handle.cancel();
    });
    expect((error as { cause?: unknown }).cause).toBeInstanceOf(CancelledFailure);
    expect((await env.client.workflow.getHandle(`${id}/study`).describe()).status.name).toBe('CANCELLED');
    for (const t of [0, 1]) expect((await env.client.workflow.getHandle(`${id}/trial-${t}`).describe()).status.name).toBe('CANCELLED');
    // The two trial runs and the study's, then the pipeline's run.
    const study = calls.opened.find((r) => r.runName.startsWith('study '))!;
    expect(calls.closed.filter((c) => c.runId !== 'pipeline').map((c) => c.status)).toEqual(['KILLED', 'KILLED', 'KILLED']);
    expect(calls.closed).toContainEqual({ runId: study.runId, status: 'KILLED' });
  });
});

describe('tune: a study on its own', () => {
  it('prepares the data and candidates and runs the study; tests nothing and registers nothing', async () => {
    const tuning = {
      sampler: 'tpe' as const,
      startupTrials: 3,
      scheduler: { kind: 'asha' as const, minEpochs: 1, reductionFactor: 3 },
      trials: 6,
      parallelism: 2,
      seed: 4,
      strategies: ['feature-extraction' as const, 'full' as const],
      epochs: [9],
      learningRate: { min: 1e-3, max: 1e-1 },
    };
    const { result, calls } = await run(spec(tuning, { model: { ...spec({}).model, select: 'search' } }), { workflow: 'tune' });
    const tuned = result as unknown as TuneResult;
    expect(tuned.trials).toHaveLength(6);
    expect(calls.registered).toEqual([]);
    expect(new Set(calls.evaluatedOn)).toEqual(new Set(['validation']));
    // The best arm is the one with the best validation accuracy, and its model is there to be used.
    const best = tuned.arms.find((a) => a.best)!;
    expect(best.validation.accuracy).toBe(Math.max(...tuned.arms.map((a) => a.validation.accuracy)));
    expect(best.validation.accuracy).toBe(Math.max(...tuned.trials.map((t) => t.validationAccuracy)));
    expect(best.model.uri).toMatch(/^mem:\/\/trained\//);
    expect(tuned.selectedModel).toMatch(/^2 searched together, best /);
    // The study reported on its own run, a child of the pipeline's.
    const study = calls.opened.find((r) => r.runName.startsWith('study '))!;
    expect(study.parentRunId).toBe('pipeline');
    expect(calls.reports).toEqual([{ runId: study.runId, trials: 6 }]);
  });
});

describe('the gate, approval and promotion against stub activities', () => {
  const quick = (register: FineTuneSpecInput['register'] = { name: 'm' }) =>
    spec({ trials: 1, epochs: [1] }, { register, model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } }] } });
  const waitFor = async (handle: WorkflowHandle, what: PromotionStatus['waitingFor']) => {
    for (let i = 0; i < 200; i++) {
      if ((await handle.query<PromotionStatus>('status')).waitingFor === what) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the workflow never waited for ${what}`);
  };
  const refusal = (handle: WorkflowHandle, update: string, arg: unknown) =>
    handle.executeUpdate(update, { args: [arg] }).then(
      () => 'accepted',
      (e: Error) => (e.cause as Error | undefined)?.message ?? e.message,
    );
  const updateEvents = async (handle: WorkflowHandle) =>
    (await handle.fetchHistory()).events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;

  it('a challenger that passes the gate against the champion on its pinned rows becomes champion, the old one previous', async () => {
    const { result, calls } = await run(quick(), { champion: { version: '7', contentDigest: digest('9') } });
    expect(calls.gated).toEqual([{ champion: '7', rowsFrom: 'pinned' }]);
    expect(result!.registered).toEqual({ name: 'm', version: '8', alias: 'champion' });
    expect(result!.promotion).toMatchObject({ promoted: true, reason: 'v8 is champion' });
    expect(Object.fromEntries(calls.aliases)).toEqual({ champion: '8', challenger: '8', previous: '7' });
  });

  it('a challenger the gate refuses stays challenger, and the champion stays where it was', async () => {
    const { result, calls } = await run(quick(), { champion: { version: '7', contentDigest: digest('9') }, gatePasses: false });
    expect(result!.registered.alias).toBe('challenger');
    expect(result!.promotion?.promoted).toBe(false);
    expect(result!.promotion?.reason).toBe('the gate refused v8: improvement accuracy (-0.02)');
    expect(Object.fromEntries(calls.aliases)).toEqual({ champion: '7', challenger: '8' });
  });

  it('waits for approval: the validator refuses an early, a mistaken and an anonymous decision without a trace; approve promotes', async () => {
    const { result, calls } = await run(
      quick({ name: 'm', approval: { required: true } }),
      { champion: { version: '7', contentDigest: digest('9') } },
      async (handle) => {
        expect(await refusal(handle, 'approve', { version: '8', approver: 'ana' })).toMatch(/not waiting for an approval \(waiting for: (training|gate)\)/);
        await waitFor(handle, 'approval');
        const status = await handle.query<PromotionStatus>('status');
        expect(status).toMatchObject({ waitingFor: 'approval', challenger: '8', champion: '7', gate: { passed: true, failed: [] } });
        expect(new Date(status.deadline!).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
        expect((await handle.query<{ stage: string }>('progress')).stage).toBe(
          `waiting for approval of v8 (anneal approve ${handle.workflowId} --approver <you>)`,
        );
        expect(await refusal(handle, 'approve', { version: '9', approver: 'ana' })).toBe('the challenger waiting for approval is v8, not v9');
        expect(await refusal(handle, 'approve', { version: '8', approver: ' ' })).toBe(
          'expected { version, approver, comment }: approver: approver: who decides',
        );
        expect(await updateEvents(handle)).toBe(0);
        expect(await refusal(handle, 'approve', { version: '8', approver: 'ana', comment: 'looked at the confusion matrices' })).toBe('accepted');
        expect(await refusal(handle, 'reject', { version: '8', approver: 'bo' })).toBe('v8 was already approved by ana');
        expect(await updateEvents(handle)).toBe(1);
      },
    );
    expect(result!.promotion).toMatchObject({ promoted: true, approver: 'ana' });
    expect(calls.decisions).toEqual(['approved by ana']);
    expect(Object.fromEntries(calls.aliases)).toMatchObject({ champion: '8', previous: '7' });
  });

  it('search attributes say what the pipeline is and where it stands, and a visibility query finds it by model', async () => {
    const attributes = async (handle: WorkflowHandle) => {
      const { typedSearchAttributes: a } = await handle.describe();
      const k = SEARCH_ATTRIBUTES;
      return { pipeline: a.get(k.pipeline), model: a.get(k.model), dataset: a.get(k.dataset), stage: a.get(k.stage), champion: a.get(k.championVersion) };
    };
    let handle: WorkflowHandle | undefined;
    await run(quick({ name: 'visible-model', approval: { required: true } }), { champion: { version: '7', contentDigest: digest('9') } }, async (h) => {
      handle = h;
      await waitFor(h, 'approval');
      expect(await attributes(h)).toEqual({ pipeline: 'fineTune', model: 'visible-model', dataset: 'd', stage: 'waiting for approval', champion: 7 });
      await h.executeUpdate('approve', { args: [{ version: '8', approver: 'ana' }] });
    });
    expect(await attributes(handle!)).toMatchObject({ stage: 'done', champion: 8 });
    // Every activity carries a summary (user metadata) for the Temporal UI's timeline.
    const scheduled = (await handle!.fetchHistory()).events!.filter((e) => e.activityTaskScheduledEventAttributes);
    const summaries = scheduled.map((e) => (e.userMetadata?.summary ? defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary) : undefined));
    expect(summaries).not.toContain(undefined);
    expect(summaries).toEqual(
      expect.arrayContaining(['moveAlias: visible-model@challenger v8', 'gateChallenger: challenger v8', 'promote: visible-model@champion v8']),
    );
    // Visibility is eventually consistent: the list query may lag the close by a moment.
    const query = "AnnealModel='visible-model' AND AnnealStage='done' AND AnnealChampionVersion=8";
    let found: string[] = [];
    for (let i = 0; i < 50 && found.length === 0; i++) {
      found = [];
      for await (const w of env.client.workflow.list({ query })) found.push(w.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toEqual([handle!.workflowId]);
  });

  it('a rejection or no decision in time promotes nothing', async () => {
    const rejected = await run(
      quick({ name: 'm', approval: { required: true } }),
      { champion: { version: '7', contentDigest: digest('9') } },
      async (handle) => {
        await waitFor(handle, 'approval');
        await handle.executeUpdate('reject', { args: [{ version: '8', approver: 'bo', comment: 'class b looks worse' }] });
      },
    );
    expect(rejected.result!.promotion).toMatchObject({ promoted: false, reason: 'rejected by bo: class b looks worse', approver: 'bo' });
    expect(rejected.calls.aliases.get('champion')).toBe('7');
    expect(rejected.calls.decisions).toEqual(['rejected by bo']);
    const late = await run(quick({ name: 'm', approval: { required: true, timeout: '2s' } }), { champion: { version: '7', contentDigest: digest('9') } });
    expect(late.result!.promotion).toMatchObject({ promoted: false, reason: 'no approval within 2s: nothing was promoted' });
    expect(late.calls.aliases.get('champion')).toBe('7');
    expect(late.calls.decisions).toEqual(['timed out']);
  });

  it('aborts the promotion, and says so, when the champion moved after the gate read it', async () => {
    const { result, calls } = await run(quick(), { champion: { version: '7', contentDigest: digest('9') }, movedMeanwhile: '6' });
    expect(result!.promotion?.promoted).toBe(false);
    expect(result!.promotion?.reason).toMatch(/^promotion aborted: m@champion moved since it was read: expected v7, found v6/);
    expect(calls.aliases.get('champion')).toBe('6');
  });

  it('with no champion yet, the first challenger is compared with nothing and promoted', async () => {
    const { result, calls } = await run(quick());
    expect(calls.gated).toEqual([{ rowsFrom: 'this split' }]);
    expect(result!.registered.alias).toBe('champion');
    expect(calls.aliases.has('previous')).toBe(false);
  });
});

import { defineQuery, defineSignal, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  FineTuneSpec, MLFLOW_TAGS, sameClasses, type AliasDescription, type DatasetRef, type EvaluationMetrics, type GateVerdict, type Hyperparameters, type Objective, type PreparedCandidate, type RegisteredModel,
} from '@anneal/contracts';
import { bestBy, scoreOf } from '@anneal/tune';
import { parseSpec } from './parse-spec';
import { gateAndPromote, installApproval, type PromotionOutcome } from './promotion';
import { activitiesFor, type Activities } from './proxies';
import { probeThenTune, tuneEvery, type CandidateTrial, type Searched } from './search-candidates';
import type { Decision } from './adaptive-search';
import type { FailedTrial } from './settle';
import { flattenParams, ingest, validateAndSplit, withPipelineRun, type Stage } from './stages';
import type { TrialInput, TrialResult } from './trial';

export interface ArmResult {
  /** What was trained: `feature-extraction`, `full`, or a candidate's label for the baselines. */
  arm: string;
  trial: string;
  hyperparameters: Hyperparameters;
  validation: EvaluationMetrics;
  test: EvaluationMetrics;
  champion: boolean;
}

export interface FineTuneResult {
  experimentId: string;
  pipelineRunId: string;
  selectedModel: string;
  probes: { label: string; validationAccuracy: number }[];
  trials: { label: string; hyperparameters: Hyperparameters; validationAccuracy: number; validation: EvaluationMetrics; epochsRun: number }[];
  arms: ArmResult[];
  /** Probes and trials that failed (their MLflow runs are FAILED, with the reason in tag `anneal.error`). */
  failedTrials: FailedTrial[];
  /** A scheduled study's decision at the end of every rung run (empty without a scheduler). */
  decisions: Decision[];
  /** The new version: `@challenger` until promoted, then the spec's alias (`@champion`). */
  registered: RegisteredModel;
  /** The challenger against the champion on the same rows, and what became of it. */
  gate?: GateVerdict;
  promotion?: PromotionOutcome;
  /** Set when `register.skipIfDataUnchanged` found the champion trained on these very rows: nothing was trained. */
  skipped?: { reason: string; contentDigest: string };
}

export interface FineTuneProgress {
  stage: string;
  trialsDone: number;
  trialsTotal: number;
  /** `dataArrived` notifications received (`anneal data arrived` signals-with-start one retrain per data digest). */
  notifications?: number;
}

export const progressQuery = defineQuery<FineTuneProgress>('progress');
/** New data was announced; the retrain it started (or is running) counts the notifications. */
export const dataArrivedSignal = defineSignal<[{ contentDigest: string; source: string }]>('dataArrived');

/**
 * The main pipeline: data -> model selection by probe -> seeded random search over fine-tuning trials
 * -> test evaluation of the best of each arm -> registration of the champion. A failed probe or trial is recorded
 * and left out; the pipeline fails only when every one of them fails.
 */
export async function fineTune(input: unknown): Promise<FineTuneResult> {
  const spec = parseSpec(FineTuneSpec, input, 'fineTune');
  // Histories recorded before the registry and the gate replay the old registration (one alias set, no gate).
  const gated = patched('promotion-gate');
  const status = installApproval();
  const wid = workflowInfo().workflowId;
  const progress: FineTuneProgress = { stage: 'data', trialsDone: 0, trialsTotal: spec.tuning.trials };
  // What `anneal start` shows: the stage, and while a challenger waits, who has to act and how.
  setHandler(progressQuery, () => (status.waitingFor === 'approval' ? { ...progress, stage: `waiting for approval of v${status.challenger} (anneal approve ${wid} --approver <you>)` } : progress));
  setHandler(dataArrivedSignal, () => {
    progress.notifications = (progress.notifications ?? 0) + 1;
  });
  const acts = activitiesFor(spec.durability);

  return withPipelineRun(
    {
      acts,
      experimentName: spec.name,
      runName: `fineTune ${spec.name}`,
      params: flattenParams({ dataset: spec.dataset.name, split: spec.split, tuning: spec.tuning, backend: spec.backend, engine: spec.engine, register: spec.register, candidates: spec.model.candidates.length }),
      summarize: (r): Record<string, number> => {
        const champion = r.arms.find((a) => a.champion);
        return champion ? { test_accuracy: champion.test.accuracy, test_macro_f1: champion.test.macroF1, test_roc_auc_macro: champion.test.rocAucMacro } : {};
      },
      tagsOf: (r): Record<string, string> => ({ ...(r.skipped ? { 'anneal.skipped': r.skipped.reason } : {}), ...(r.promotion ? { 'anneal.promotion': r.promotion.reason } : {}) }),
    },
    async (run, stage) => {
      const { ctx } = stage;
      const dataset = await ingest(stage, spec);
      const champion = gated ? await acts.registry.describeAlias({ name: spec.register.name, alias: spec.register.alias }) : null;
      const skipped = gated ? unchangedFrom(champion, spec.register, dataset) : await unchangedSince(acts, spec.register, dataset);
      if (skipped) {
        status.waitingFor = 'nothing';
        return { experimentId: run.experimentId, pipelineRunId: run.runId, selectedModel: '', probes: [], trials: [], arms: [], failedTrials: [], decisions: [], registered: skipped.registered, skipped: skipped.reason };
      }
      const testRows = gated ? gateRows(spec, champion, dataset) : { split: spec.split, rowsFrom: 'this split' as const };
      const split = await validateAndSplit(stage, { dataset: gated ? withDriftReference(spec, champion) : spec.dataset, split: testRows.split }, dataset);
      const common = {
        tracking: ctx, durability: spec.durability, train: split.train, validation: split.validation, backend: spec.backend, engine: spec.engine, outputName: spec.register.name,
        checkpointEvery: spec.tuning.checkpointEvery, heartbeatTimeoutSeconds: spec.tuning.heartbeatTimeoutSeconds,
        logEveryBatches: spec.tuning.logEveryBatches,
      };

      progress.stage = 'model selection';
      const candidates = await Promise.all(spec.model.candidates.map((candidate) =>
        acts.models.prepareCandidate({ tracking: ctx, candidate, inputShape: split.train.featureShape, numClasses: split.train.classes.length, ...imageShapeOf(spec.dataset), ...(split.scaling ? { scaling: split.scaling } : {}) })));
      progress.stage = 'tuning';
      const t = spec.tuning;
      const searched = await (spec.model.select === 'all' ? tuneEvery : probeThenTune)({
        workflowId: wid, candidates, common, space: t, search: t, onTrialDone: () => progress.trialsDone++,
        probe: { learningRate: spec.model.probeLearningRate, epochs: spec.model.probeEpochs, batchSize: t.batchSize, patience: t.patience, minDelta: t.minDelta, monitor: t.monitor, lrSchedule: { kind: 'constant' }, regularization: t.regularization },
      });

      // Histories recorded before the report existed replay without it.
      if (patched('search-report')) await reportSearch(acts, { ctx, tuning: t, searched, candidates });

      progress.stage = 'final evaluation';
      const arms = pickArms({ searched, candidates, objective: t.objective });
      const tested = await Promise.all(arms.map((a) => testArm(stage, a, split.test, spec.backend)));
      const championIndex = bestBy(arms, (a) => (a.fromTuning ? scoreOf(t.objective, a.result.validation) : -Infinity));
      const best = arms[championIndex] as Arm;
      const base = candidates[best.candidate] as PreparedCandidate;

      progress.stage = 'registration';
      const registration = {
        model: best.result.fineTune.model, sourceRunId: best.result.fineTune.runId,
        description: `fine-tuned from ${base.label} (${best.result.hyperparameters.strategy}); test accuracy ${(tested[championIndex] as EvaluationMetrics).accuracy.toFixed(4)}`,
        tags: {
          'anneal.base_model': base.label, 'anneal.strategy': best.result.hyperparameters.strategy, 'anneal.pipelineRunId': run.runId,
          [MLFLOW_TAGS.datasetRef]: JSON.stringify({ uri: dataset.uri, digest: dataset.digest }),
          ...(dataset.contentDigest ? { [MLFLOW_TAGS.datasetContentDigest]: dataset.contentDigest } : {}),
        },
      };
      const outcome = gated
        ? await gateAndPromote(stage, status, { ...registration, register: spec.register, champion, test: split.test, rowsFrom: testRows.rowsFrom, drift: split.report.drift, testMetrics: tested[championIndex] as EvaluationMetrics, backend: spec.backend })
        : { registered: await acts.evaluation.registerModel({ ...registration, tracking: ctx, name: spec.register.name, alias: spec.register.alias }) };
      progress.stage = 'done';
      return {
        experimentId: run.experimentId,
        pipelineRunId: run.runId,
        selectedModel: searched.selected === undefined ? 'all (every candidate tuned)' : (candidates[searched.selected] as PreparedCandidate).label,
        probes: searched.probes.map((p) => ({ label: p.result.label, validationAccuracy: p.result.validation.accuracy })),
        trials: searched.trials.map(({ result: r }) => ({ label: r.label, hyperparameters: r.hyperparameters, validationAccuracy: r.validation.accuracy, validation: r.validation, epochsRun: r.fineTune.epochsRun })),
        arms: arms.map((a, i) => ({ arm: a.arm, trial: a.result.label, hyperparameters: a.result.hyperparameters, validation: a.result.validation, test: tested[i] as EvaluationMetrics, champion: i === championIndex })),
        failedTrials: searched.failed,
        decisions: searched.decisions,
        ...outcome,
      };
    },
  );
}

interface Arm {
  arm: string;
  candidate: number;
  result: TrialResult;
  fromTuning: boolean;
}

/**
 * The best tuning trial of each candidate and strategy, plus the probe of every candidate not selected (the
 * from-scratch baseline). With one tuned candidate an arm is named by kind and strategy (`pretrained full`).
 */
function pickArms(from: { searched: Searched; candidates: PreparedCandidate[]; objective: Objective }): Arm[] {
  const { searched, candidates } = from;
  const kind = (i: number) => (candidates[i]?.pretrained ? 'pretrained' : 'scratch');
  const several = new Set(searched.trials.map((t) => t.candidate)).size > 1;
  const arms: Arm[] = [];
  const groups = new Map<string, CandidateTrial[]>();
  for (const t of searched.trials) {
    const name = `${kind(t.candidate)}${several ? ` ${candidates[t.candidate]?.label}` : ''} ${t.result.hyperparameters.strategy}`;
    groups.set(name, [...(groups.get(name) ?? []), t]);
  }
  for (const [arm, group] of groups) {
    const best = group[bestBy(group, (t) => scoreOf(from.objective, t.result.validation))] as CandidateTrial;
    arms.push({ arm, candidate: best.candidate, result: best.result, fromTuning: true });
  }
  for (const p of searched.probes) {
    if (p.candidate !== searched.selected) arms.push({ arm: `${kind(p.candidate)} probe ${candidates[p.candidate]?.label}`, candidate: p.candidate, result: p.result, fromTuning: false });
  }
  return arms;
}

/** The trials table and the objective-by-hyperparameter picture, on the pipeline's run. */
function reportSearch(acts: Activities, o: { ctx: Stage['ctx']; tuning: FineTuneSpec['tuning']; searched: Searched; candidates: PreparedCandidate[] }): Promise<void> {
  const { metric } = o.tuning.objective;
  return acts.evaluation.reportSearch({
    tracking: o.ctx, objective: o.tuning.objective, sampler: o.tuning.sampler, failed: o.searched.failed, decisions: o.searched.decisions,
    trials: o.searched.trials.map(({ candidate, result: r }) => ({
      label: r.label, candidate: o.candidates[candidate]?.label ?? String(candidate), strategy: r.hyperparameters.strategy,
      learningRate: r.hyperparameters.learningRate, epochs: r.hyperparameters.epochs, epochsRun: r.fineTune.epochsRun, value: r.validation[metric],
    })),
  });
}

async function testArm(stage: Stage, arm: Arm, test: TrialInput['validation'], backend: TrialInput['backend']): Promise<EvaluationMetrics> {
  const out = await stage.acts.evaluation.evaluateModel({ tracking: stage.ctx, runName: `evaluate ${arm.result.label} on test`, model: arm.result.fineTune.model, dataset: test, backend });
  return out.metrics;
}

/** With skipIfDataUnchanged: the champion, when it was trained on rows with this content digest. */
async function unchangedSince(acts: Activities, register: FineTuneSpec['register'], dataset: DatasetRef): Promise<{ registered: RegisteredModel; reason: NonNullable<FineTuneResult['skipped']> } | undefined> {
  if (!register.skipIfDataUnchanged || !dataset.contentDigest) return undefined;
  const champion = await acts.evaluation.championData({ name: register.name, alias: register.alias });
  if (!champion.version || champion.contentDigest !== dataset.contentDigest) return undefined;
  return {
    registered: { name: register.name, version: champion.version, alias: register.alias },
    reason: { reason: `${register.name}@${register.alias} (version ${champion.version}) was trained on the same rows`, contentDigest: dataset.contentDigest },
  };
}

/** With the registry: the champion, when it was trained on rows with this content digest. */
function unchangedFrom(champion: AliasDescription | null, register: FineTuneSpec['register'], dataset: DatasetRef): Awaited<ReturnType<typeof unchangedSince>> {
  if (!register.skipIfDataUnchanged || !dataset.contentDigest || !champion || champion.contentDigest !== dataset.contentDigest) return undefined;
  return {
    registered: { name: register.name, version: champion.version, alias: register.alias },
    reason: { reason: `${register.name}@${register.alias} (version ${champion.version}) was trained on the same rows`, contentDigest: dataset.contentDigest },
  };
}

/**
 * The rows the gate scores challenger and champion on: the champion's own test split, pinned, so that the
 * challenger is not trained on them and both are judged on the same rows; else this run's test split.
 */
function gateRows(spec: FineTuneSpec, champion: AliasDescription | null, dataset: DatasetRef): { split: FineTuneSpec['split']; rowsFrom: 'pinned' | 'this split' } {
  if (spec.split.pinnedTest) return { split: spec.split, rowsFrom: 'pinned' };
  const test = champion?.testSplit;
  // A champion of another task (other classes) has no rows to share: the gate will say they cannot be compared.
  const sameTask = test !== undefined && sameClasses(test.classes, dataset.classes);
  if (!spec.register.gate.pinChampionTest || !test || !sameTask) return { split: spec.split, rowsFrom: 'this split' };
  return { split: { ...spec.split, pinnedTest: { uri: test.uri, digest: test.digest } }, rowsFrom: 'pinned' };
}

/** Drift is measured against the champion's training data unless the spec names a reference of its own. */
function withDriftReference(spec: FineTuneSpec, champion: AliasDescription | null): FineTuneSpec['dataset'] {
  const { validation } = spec.dataset;
  if (!champion || validation.reference) return spec.dataset;
  return { ...spec.dataset, validation: { ...validation, reference: { model: spec.register.name, alias: spec.register.alias } } };
}

/** The dataset's image size, for an image model's input contract. */
function imageShapeOf(dataset: FineTuneSpec['dataset']): { imageShape?: number[] } {
  return dataset.image ? { imageShape: [dataset.image.height, dataset.image.width, dataset.image.channels] } : {};
}

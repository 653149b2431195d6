import { defineQuery, executeChild, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  FineTuneSpec, MLFLOW_TAGS, type DatasetRef, type EvaluationMetrics, type Hyperparameters, type PreparedCandidate, type RegisteredModel, type TrackingContext,
} from '@anneal/contracts';
import { bestBy, randomSearch } from '@anneal/tune';
import { parseSpec } from './parse-spec';
import { evaluation, models } from './proxies';
import { flattenParams, ingest, trackingOf, validateAndSplit, withPipelineRun } from './stages';
import { trial, type TrialInput, type TrialResult } from './trial';

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
  trials: { label: string; hyperparameters: Hyperparameters; validationAccuracy: number; epochsRun: number }[];
  arms: ArmResult[];
  registered: RegisteredModel;
  /** Set when `register.skipIfDataUnchanged` found the champion trained on these very rows: nothing was trained. */
  skipped?: { reason: string; contentDigest: string };
}

export interface FineTuneProgress {
  stage: string;
  trialsDone: number;
  trialsTotal: number;
}

export const progressQuery = defineQuery<FineTuneProgress>('progress');

/**
 * The main pipeline: data -> model selection by probe -> seeded random search over fine-tuning trials
 * -> test evaluation of the best of each arm -> registration of the champion.
 */
export async function fineTune(input: unknown): Promise<FineTuneResult> {
  const spec = parseSpec(FineTuneSpec, input, 'fineTune');
  const progress: FineTuneProgress = { stage: 'data', trialsDone: 0, trialsTotal: spec.tuning.trials };
  setHandler(progressQuery, () => progress);
  const wid = workflowInfo().workflowId;

  return withPipelineRun(
    {
      experimentName: spec.name,
      runName: `fineTune ${spec.name}`,
      params: flattenParams({ dataset: spec.dataset.name, split: spec.split, tuning: spec.tuning, backend: spec.backend, engine: spec.engine, register: spec.register, candidates: spec.model.candidates.length }),
      summarize: (r): Record<string, number> => {
        const champion = r.arms.find((a) => a.champion);
        return champion ? { test_accuracy: champion.test.accuracy, test_macro_f1: champion.test.macroF1, test_roc_auc_macro: champion.test.rocAucMacro } : {};
      },
      tagsOf: (r): Record<string, string> => (r.skipped ? { 'anneal.skipped': r.skipped.reason } : {}),
    },
    async (run) => {
      const ctx = trackingOf(run);
      const dataset = await ingest(ctx, spec);
      const skipped = await unchangedSince(spec.register, dataset);
      if (skipped) {
        return { experimentId: run.experimentId, pipelineRunId: run.runId, selectedModel: '', probes: [], trials: [], arms: [], registered: skipped.registered, skipped: skipped.reason };
      }
      const split = await validateAndSplit(ctx, spec, dataset);
      const common = {
        tracking: ctx, train: split.train, validation: split.validation, backend: spec.backend, engine: spec.engine, outputName: spec.register.name,
        checkpointEvery: spec.tuning.checkpointEvery, heartbeatTimeoutSeconds: spec.tuning.heartbeatTimeoutSeconds,
        logEveryBatches: spec.tuning.logEveryBatches,
      };

      progress.stage = 'model selection';
      // A pretrained candidate is probed as it is meant to be used, by feature extraction (a cheap test of its
      // features); a from-scratch net can only be trained fully.
      const candidates = await Promise.all(spec.model.candidates.map((candidate) =>
        models.prepareCandidate({ tracking: ctx, candidate, inputShape: split.train.featureShape, numClasses: split.train.classes.length })));
      const probes = await Promise.all(candidates.map((c, i) => runTrial(`${wid}/probe-${i}`, {
        ...common, label: `probe ${c.label}`, model: c.model,
        hyperparameters: { learningRate: spec.model.probeLearningRate, epochs: spec.model.probeEpochs, batchSize: spec.tuning.batchSize, strategy: c.pretrained ? 'feature-extraction' : 'full', patience: spec.tuning.patience, minDelta: spec.tuning.minDelta, monitor: spec.tuning.monitor, lrSchedule: { kind: 'constant' }, regularization: spec.tuning.regularization },
      })));
      const selectedIndex = bestBy(probes, (p) => p.validation.accuracy);
      const selected = candidates[selectedIndex] as PreparedCandidate;

      progress.stage = 'tuning';
      // Freezing (all or part of) a randomly initialised base would train on noise features: scratch nets train fully.
      const strategies = selected.pretrained ? spec.tuning.strategies : (['full'] as const);
      const space = { ...spec.tuning, strategies };
      const trials = await Promise.all(randomSearch(space, spec.tuning).map(async (hp, i) => {
        const result = await runTrial(`${wid}/trial-${i}`, { ...common, label: `trial ${i} ${hp.strategy} lr=${hp.learningRate} epochs=${hp.epochs}`, model: selected.model, hyperparameters: hp });
        progress.trialsDone++;
        return result;
      }));

      progress.stage = 'final evaluation';
      const arms = pickArms(trials, probes, candidates, selectedIndex);
      const tested = await Promise.all(arms.map((a) => testArm(ctx, a, split.test, spec.backend)));
      const championIndex = bestBy(arms, (a) => (a.fromTuning ? a.result.validation.accuracy : -1));
      const champion = arms[championIndex] as Arm;

      progress.stage = 'registration';
      const registered = await evaluation.registerModel({
        tracking: ctx, model: champion.result.fineTune.model, name: spec.register.name, alias: spec.register.alias, sourceRunId: champion.result.fineTune.runId,
        description: `fine-tuned from ${selected.label} (${champion.result.hyperparameters.strategy}); test accuracy ${(tested[championIndex] as EvaluationMetrics).accuracy.toFixed(4)}`,
        tags: {
          'anneal.base_model': selected.label, 'anneal.strategy': champion.result.hyperparameters.strategy, 'anneal.pipelineRunId': run.runId,
          [MLFLOW_TAGS.datasetRef]: JSON.stringify({ uri: dataset.uri, digest: dataset.digest }),
          ...(dataset.contentDigest ? { [MLFLOW_TAGS.datasetContentDigest]: dataset.contentDigest } : {}),
        },
      });
      progress.stage = 'done';
      return {
        experimentId: run.experimentId,
        pipelineRunId: run.runId,
        selectedModel: selected.label,
        probes: probes.map((p) => ({ label: p.label, validationAccuracy: p.validation.accuracy })),
        trials: trials.map((t) => ({ label: t.label, hyperparameters: t.hyperparameters, validationAccuracy: t.validation.accuracy, epochsRun: t.fineTune.epochsRun })),
        arms: arms.map((a, i) => ({ arm: a.arm, trial: a.result.label, hyperparameters: a.result.hyperparameters, validation: a.result.validation, test: tested[i] as EvaluationMetrics, champion: i === championIndex })),
        registered,
      };
    },
  );
}

function runTrial(workflowId: string, input: TrialInput): Promise<TrialResult> {
  return executeChild(trial, { workflowId, args: [input] });
}

interface Arm {
  arm: string;
  result: TrialResult;
  fromTuning: boolean;
}

/** The best tuning trial of each strategy, plus the probe of every candidate not selected (the from-scratch baseline). */
function pickArms(trials: TrialResult[], probes: TrialResult[], candidates: PreparedCandidate[], selectedIndex: number): Arm[] {
  const arms: Arm[] = [];
  for (const strategy of [...new Set(trials.map((t) => t.hyperparameters.strategy))]) {
    const group = trials.filter((t) => t.hyperparameters.strategy === strategy);
    const best = group[bestBy(group, (t) => t.validation.accuracy)] as TrialResult;
    arms.push({ arm: `${candidates[selectedIndex]?.pretrained ? 'pretrained' : 'scratch'} ${strategy}`, result: best, fromTuning: true });
  }
  probes.forEach((p, i) => {
    if (i !== selectedIndex) arms.push({ arm: `${candidates[i]?.pretrained ? 'pretrained' : 'scratch'} probe ${candidates[i]?.label}`, result: p, fromTuning: false });
  });
  return arms;
}

async function testArm(ctx: TrackingContext, arm: Arm, test: TrialInput['validation'], backend: TrialInput['backend']): Promise<EvaluationMetrics> {
  const out = await evaluation.evaluateModel({ tracking: ctx, runName: `evaluate ${arm.result.label} on test`, model: arm.result.fineTune.model, dataset: test, backend });
  return out.metrics;
}

/** With skipIfDataUnchanged: the champion, when it was trained on rows with this content digest. */
async function unchangedSince(register: FineTuneSpec['register'], dataset: DatasetRef): Promise<{ registered: RegisteredModel; reason: NonNullable<FineTuneResult['skipped']> } | undefined> {
  if (!register.skipIfDataUnchanged || !dataset.contentDigest) return undefined;
  const champion = await evaluation.championData({ name: register.name, alias: register.alias });
  if (!champion.version || champion.contentDigest !== dataset.contentDigest) return undefined;
  return {
    registered: { name: register.name, version: champion.version, alias: register.alias },
    reason: { reason: `${register.name}@${register.alias} (version ${champion.version}) was trained on the same rows`, contentDigest: dataset.contentDigest },
  };
}

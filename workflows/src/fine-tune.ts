import { defineSignal, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  FineTuneSpec,
  MLFLOW_TAGS,
  type EvaluationMetrics,
  type GateVerdict,
  type Hyperparameters,
  type PreparedCandidate,
  type RegisteredModel,
} from '@anneal/contracts';
import { bestBy, scoreOf } from '@anneal/tune';
import { parseSpec } from './parse-spec';
import { gateAndPromote, installApproval, type PromotionOutcome } from './promotion';
import { activitiesFor } from './proxies';
import { progressQuery, trackSearch } from './pipeline-progress';
import { prepareAndSearch, reportOnPipeline, searchSummary } from './search-stage';
import type { Decision } from './adaptive-search';
import type { FailedTrial } from './settle';
import type { ResultTrial } from './trial-table';
import { flattenParams, ingest, validateAndSplit, withPipelineRun } from './stages';
import { armSummary, gateRows, pickArms, testArm, unchangedFrom, unchangedSince, withDriftReference, type Arm } from './fine-tune-steps';

export interface ArmResult {
  /** What was trained: `feature-extraction`, `full`, or a candidate's label for the baselines. */
  arm: string;
  trial: string;
  /** The index of its model among the spec's candidates (absent in results recorded before it was reported). */
  candidate?: number;
  hyperparameters: Hyperparameters;
  /**
   * Epochs it trained in all: fewer than `hyperparameters.epochs` when a study stopped it at a rung or early stopping
   * ended it. Absent in results recorded before it was reported.
   */
  epochsRun?: number;
  validation: EvaluationMetrics;
  test: EvaluationMetrics;
  champion: boolean;
}

export interface FineTuneResult {
  experimentId: string;
  pipelineRunId: string;
  selectedModel: string;
  probes: { label: string; validationAccuracy: number }[];
  /** Every finished trial in brief (the arms carry their whole hyperparameters); its MLflow run is `runId`. */
  trials: ResultTrial[];
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

/** New data was announced; the retrain it started (or is running) counts the notifications. */
export const dataArrivedSignal = defineSignal<[{ contentDigest: string; source: string }]>('dataArrived');

/**
 * The main pipeline: data -> model candidates -> the search over fine-tuning trials (the candidate one of its
 * dimensions, picked by a probe first, or each candidate searched: `model.select`) -> test evaluation of the best of
 * each arm -> registration of the champion. A failed probe or trial is recorded and left out; the pipeline fails
 * only when every one of them fails.
 */
export async function fineTune(input: unknown): Promise<FineTuneResult> {
  const spec = parseSpec(FineTuneSpec, input, 'fineTune');
  // Histories recorded before the registry and the gate replay the old registration (one alias set, no gate).
  const gated = patched('promotion-gate');
  const status = installApproval();
  const wid = workflowInfo().workflowId;
  const { progress, visibility, enter } = trackSearch({
    pipeline: 'fineTune',
    model: spec.register.name,
    dataset: spec.dataset.name,
    trials: spec.tuning.trials,
  });
  // What `anneal start` shows: the stage, and while a challenger waits, who has to act and how.
  setHandler(progressQuery, () =>
    status.waitingFor === 'approval'
      ? { ...progress, stage: `waiting for approval of v${status.challenger} (anneal approve ${wid} --approver <you>)` }
      : progress,
  );
  setHandler(dataArrivedSignal, () => {
    progress.notifications = (progress.notifications ?? 0) + 1;
  });
  const acts = activitiesFor(spec.durability);

  return withPipelineRun(
    {
      acts,
      visibility,
      experimentName: spec.name,
      runName: `fineTune ${spec.name}`,
      params: flattenParams({
        dataset: spec.dataset.name,
        split: spec.split,
        tuning: spec.tuning,
        backend: spec.backend,
        engine: spec.engine,
        register: spec.register,
        candidates: spec.model.candidates.length,
      }),
      summarize: (r): Record<string, number> => {
        const champion = r.arms.find((a) => a.champion);
        return champion ? { test_accuracy: champion.test.accuracy, test_macro_f1: champion.test.macroF1, test_roc_auc_macro: champion.test.rocAucMacro } : {};
      },
      tagsOf: (r): Record<string, string> => ({
        ...(r.skipped ? { 'anneal.skipped': r.skipped.reason } : {}),
        ...(r.promotion ? { 'anneal.promotion': r.promotion.reason } : {}),
      }),
    },
    async (run, stage) => {
      const { ctx } = stage;
      const dataset = await ingest(stage, spec);
      const champion = gated ? await acts.registry.describeAlias({ name: spec.register.name, alias: spec.register.alias }) : null;
      visibility.champion(champion?.version);
      const skipped = gated ? unchangedFrom(champion, spec.register, dataset) : await unchangedSince(acts, spec.register, dataset);
      if (skipped) {
        status.waitingFor = 'nothing';
        enter('skipped');
        return {
          experimentId: run.experimentId,
          pipelineRunId: run.runId,
          selectedModel: '',
          probes: [],
          trials: [],
          arms: [],
          failedTrials: [],
          decisions: [],
          registered: skipped.registered,
          skipped: skipped.reason,
        };
      }
      const testRows = gated ? gateRows(spec, champion, dataset) : { split: spec.split, rowsFrom: 'this split' as const };
      const split = await validateAndSplit(stage, { dataset: gated ? withDriftReference(spec, champion) : spec.dataset, split: testRows.split }, dataset);
      const { candidates, searched } = await prepareAndSearch({ stage, spec, split, workflowId: wid, enter, progress });
      const t = spec.tuning;

      // Histories recorded before the report existed replay without it. A single study reported on its own run.
      if (patched('search-report')) await reportOnPipeline(stage, { tuning: t, searched, candidates });

      enter('final evaluation');
      const arms = pickArms({ searched, candidates, objective: t.objective });
      const tested = await Promise.all(arms.map((a) => testArm(stage, a, split.test, spec.backend)));
      const championIndex = bestBy(arms, (a) => (a.fromTuning ? scoreOf(t.objective, a.result.validation) : -Infinity));
      const best = arms[championIndex] as Arm;
      const base = candidates[best.candidate] as PreparedCandidate;

      enter('registration');
      const registration = {
        model: best.result.fineTune.model,
        sourceRunId: best.result.fineTune.runId,
        description: `fine-tuned from ${base.label} (${best.result.hyperparameters.strategy}); test accuracy ${(tested[championIndex] as EvaluationMetrics).accuracy.toFixed(4)}`,
        tags: {
          'anneal.base_model': base.label,
          'anneal.strategy': best.result.hyperparameters.strategy,
          'anneal.pipelineRunId': run.runId,
          [MLFLOW_TAGS.datasetRef]: JSON.stringify({ uri: dataset.uri, digest: dataset.digest }),
          ...(dataset.contentDigest ? { [MLFLOW_TAGS.datasetContentDigest]: dataset.contentDigest } : {}),
        },
      };
      const outcome = gated
        ? await gateAndPromote(stage, status, {
            ...registration,
            register: spec.register,
            champion,
            test: split.test,
            rowsFrom: testRows.rowsFrom,
            drift: split.report.drift,
            testMetrics: tested[championIndex] as EvaluationMetrics,
            backend: spec.backend,
            enter,
          })
        : { registered: await acts.evaluation.registerModel({ ...registration, tracking: ctx, name: spec.register.name, alias: spec.register.alias }) };
      if ('promotion' in outcome && outcome.promotion.promoted) visibility.champion(outcome.registered.version);
      enter('done');
      return {
        experimentId: run.experimentId,
        pipelineRunId: run.runId,
        ...searchSummary({ select: spec.model.select, searched, candidates, best: best.candidate }),
        arms: arms.map((a, i) => ({
          ...armSummary(a),
          test: tested[i] as EvaluationMetrics,
          champion: i === championIndex,
        })),
        ...outcome,
      };
    },
  );
}

import { setHandler, workflowInfo } from '@temporalio/workflow';
import { FineTuneSpec, type EvaluationMetrics, type Hyperparameters, type ModelRef } from '@anneal/contracts';
import { bestBy, scoreOf } from '@anneal/tune';
import type { Decision } from './adaptive-search';
import type { FineTuneResult } from './fine-tune';
import { armSummary, pickArms } from './fine-tune-steps';
import { parseSpec } from './parse-spec';
import { activitiesFor } from './proxies';
import { progressQuery, trackSearch } from './pipeline-progress';
import { prepareAndSearch, reportOnPipeline, searchSummary } from './search-stage';
import type { FailedTrial } from './settle';
import { flattenParams, ingest, validateAndSplit, withPipelineRun } from './stages';

/** The best trial of a candidate and strategy, by the objective on the validation split; its model is stored, not registered. */
export interface TunedArm {
  arm: string;
  trial: string;
  /** The index of its model among the spec's candidates. */
  candidate: number;
  hyperparameters: Hyperparameters;
  epochsRun: number;
  validation: EvaluationMetrics;
  model: ModelRef;
  /** The trial's MLflow run. */
  runId: string;
  /** The study's pick: the best arm by the objective. */
  best: boolean;
}

export interface TuneResult {
  experimentId: string;
  pipelineRunId: string;
  selectedModel: string;
  probes: FineTuneResult['probes'];
  trials: FineTuneResult['trials'];
  arms: TunedArm[];
  failedTrials: FailedTrial[];
  decisions: Decision[];
}

/**
 * A study on its own: the data and the candidates as fineTune prepares them, then the search (any sampler, scheduler
 * and `model.select`), and nothing after it: no test evaluation (the test rows stay unseen) and no registration. It
 * takes fineTune's spec (its `register` block names the stored models), so a configuration explored here is started
 * as a fineTune unchanged, with the best as a warm start.
 */
export async function tune(input: unknown): Promise<TuneResult> {
  const spec = parseSpec(FineTuneSpec, input, 'tune');
  const wid = workflowInfo().workflowId;
  const { progress, visibility, enter } = trackSearch({ pipeline: 'tune', model: spec.register.name, dataset: spec.dataset.name, trials: spec.tuning.trials });
  setHandler(progressQuery, () => progress);
  const acts = activitiesFor(spec.durability);
  const t = spec.tuning;
  return withPipelineRun(
    {
      acts,
      visibility,
      experimentName: spec.name,
      runName: `tune ${spec.name}`,
      params: flattenParams({
        dataset: spec.dataset.name,
        split: spec.split,
        tuning: t,
        backend: spec.backend,
        engine: spec.engine,
        candidates: spec.model.candidates.length,
      }),
      summarize: (r): Record<string, number> => {
        const best = r.arms.find((a) => a.best);
        return best ? { best_val_accuracy: best.validation.accuracy, best_val_macro_f1: best.validation.macroF1, trials: r.trials.length } : {};
      },
    },
    async (run, stage) => {
      const dataset = await ingest(stage, spec);
      const split = await validateAndSplit(stage, { dataset: spec.dataset, split: spec.split }, dataset);
      const { candidates, searched } = await prepareAndSearch({ stage, spec, split, workflowId: wid, enter, progress });
      await reportOnPipeline(stage, { tuning: t, searched, candidates });
      const arms = pickArms({ searched, candidates, objective: t.objective }).filter((a) => a.fromTuning);
      const best = bestBy(arms, (a) => scoreOf(t.objective, a.result.validation));
      enter('done');
      return {
        experimentId: run.experimentId,
        pipelineRunId: run.runId,
        ...searchSummary({ select: spec.model.select, searched, candidates, best: arms[best]?.candidate }),
        arms: arms.map((a, i) => ({
          ...armSummary(a),
          model: a.result.fineTune.model,
          runId: a.result.trialRunId,
          best: i === best,
        })),
      };
    },
  );
}

import { BatchPredictSpec, parseModelsUri, type ScoredBatch } from '@anneal/contracts';
import { parseSpec } from './parse-spec';
import { activitiesFor } from './proxies';
import { announcePipeline } from './search-attributes';
import { flattenParams, withPipelineRun } from './stages';

export interface BatchPredictResult extends ScoredBatch {
  experimentId: string;
  pipelineRunId: string;
}

/**
 * Scores a batch with a registered model (`models:/name@champion`): one pipeline run in MLflow with the scoring
 * run under it, the predictions as its artifact (by reference in the result). A scheduled or data-triggered scoring
 * is this workflow on a Temporal Schedule, like a retrain.
 */
export async function batchPredict(input: unknown): Promise<BatchPredictResult> {
  const spec = parseSpec(BatchPredictSpec, input, 'batchPredict');
  const acts = activitiesFor(spec.durability);
  const visibility = announcePipeline({ pipeline: 'batchPredict', model: parseModelsUri(spec.model)?.name ?? spec.model });
  return withPipelineRun(
    {
      acts,
      visibility,
      experimentName: spec.name,
      runName: `batchPredict ${spec.name}`,
      params: flattenParams({ model: spec.model, source: spec.source, format: spec.format }),
      summarize: (r) => ({ rows: r.rows, invalid_rows: r.invalidRows, ...(r.accuracy === undefined ? {} : { accuracy: r.accuracy }) }),
      tagsOf: (r) => ({ 'anneal.scored': `${r.model.name} v${r.model.version}: ${r.rows} rows` }),
    },
    async (run, stage) => {
      visibility.stage('scoring');
      const scored = await acts.prediction.scoreBatch({
        tracking: stage.ctx,
        model: spec.model,
        source: spec.source,
        format: spec.format,
        ...(spec.labelColumn ? { labelColumn: spec.labelColumn } : {}),
      });
      visibility.stage('done');
      return { experimentId: run.experimentId, pipelineRunId: run.runId, ...scored };
    },
  );
}

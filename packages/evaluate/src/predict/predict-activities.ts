import { ScoreBatchInput, type BackendName, type In, type ScoredBatch } from '@anneal/contracts';
import { resolveBackend } from '@anneal/models';
import { activityPlugin, sha256, withActivityRun } from '@anneal/tracking';
import { formatPredictions, predictBatch, type PredictDeps } from './batch-predict';

export interface PredictActivityDeps extends PredictDeps {
  backend: BackendName;
}

export function createPredictActivities(deps: PredictActivityDeps) {
  return {
    /**
     * Scores a batch with a registered model (its preprocessing inside it): `predictions.csv` (or `.jsonl`) on the
     * activity's run, the model version and the counts as params and metrics; the workflow gets a reference.
     */
    async scoreBatch(raw: In<typeof ScoreBatchInput>): Promise<ScoredBatch> {
      const input = ScoreBatchInput.parse(raw);
      return withActivityRun(
        deps.mlflow,
        { tracking: input.tracking, runName: `score ${input.model}`, params: { model: input.model, source: JSON.stringify(input.source) } },
        async (run) => {
          await resolveBackend(deps.backend);
          const p = await predictBatch(deps, input);
          const bytes = Buffer.from(formatPredictions(p, input.format));
          const uri = `${run.artifactUri}/predictions.${input.format}`;
          await deps.mlflow.uploadArtifact(uri, bytes);
          const metrics = [
            { key: 'rows', value: p.rows.length },
            { key: 'invalid_rows', value: p.invalidRows },
            ...(p.accuracy === undefined ? [] : [{ key: 'accuracy', value: p.accuracy }]),
          ];
          await deps.mlflow.logBatch(run.runId, {
            metrics: metrics.map((m) => ({ ...m, step: 0, timestamp: Date.now() })),
            params: [{ key: 'model.version', value: p.model.version }],
          });
          return {
            uri,
            digest: sha256(bytes),
            runId: run.runId,
            model: p.model,
            rows: p.rows.length,
            invalidRows: p.invalidRows,
            ...(p.accuracy === undefined ? {} : { accuracy: p.accuracy }),
          };
        },
      );
    },
  };
}

export type PredictActivities = ReturnType<typeof createPredictActivities>;

export function predictPlugin(deps: PredictActivityDeps) {
  return activityPlugin('anneal.predict', createPredictActivities(deps));
}

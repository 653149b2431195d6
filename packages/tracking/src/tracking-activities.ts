import { Context } from '@temporalio/activity';
import { CloseRunInput, MLFLOW_TAGS, OpenChildRunInput, OpenPipelineRunInput, type In, type PipelineRun } from '@anneal/contracts';
import { activityIdentity, openActivityRun } from './activity-run';
import type { MlflowClient } from './mlflow-client';
import { activityPlugin } from './activity-plugin';
import { sourceTags } from './source-tags';

export interface TrackingDeps {
  mlflow: MlflowClient;
}

/** Run lifecycle for workflows: the pipeline's parent run, per-trial runs, closing them. */
export function createTrackingActivities(deps: TrackingDeps) {
  const { mlflow } = deps;
  return {
    async openPipelineRun(raw: In<typeof OpenPipelineRunInput>): Promise<PipelineRun> {
      const input = OpenPipelineRunInput.parse(raw);
      const experimentId = await mlflow.getOrCreateExperiment(input.experimentName);
      const id = activityIdentity();
      const key = `${id.workflowId}/${id.runId}/${id.activityId}`;
      const found = await mlflow.searchRuns({ experimentIds: [experimentId], filter: `tags.\`${MLFLOW_TAGS.idempotencyKey}\` = '${key}'`, maxResults: 1 });
      const run =
        found[0] ??
        (await mlflow.createRun({
          experimentId,
          runName: input.runName,
          tags: {
            ...sourceTags(Context.current().info.workflowType ?? 'pipeline'),
            ...input.tags,
            [MLFLOW_TAGS.workflowId]: id.workflowId,
            [MLFLOW_TAGS.runId]: id.runId,
            [MLFLOW_TAGS.idempotencyKey]: key,
          },
        }));
      const written = new Set(run.data.params.map((p) => p.key));
      const params = Object.entries(input.params)
        .filter(([k]) => !written.has(k))
        .map(([key, value]) => ({ key, value }));
      await mlflow.logBatch(run.info.run_id, { params });
      return { experimentId, runId: run.info.run_id, runName: input.runName };
    },

    /** A run that groups other activities' runs (a trial); closed by `closeRun`. */
    async openChildRun(raw: In<typeof OpenChildRunInput>): Promise<PipelineRun> {
      const input = OpenChildRunInput.parse(raw);
      const run = await openActivityRun(mlflow, input);
      return { experimentId: run.experimentId, runId: run.runId, runName: input.runName };
    },

    async closeRun(raw: In<typeof CloseRunInput>): Promise<void> {
      const input = CloseRunInput.parse(raw);
      const now = Date.now();
      const metrics = Object.entries(input.metrics).map(([key, value]) => ({ key, value, step: 0, timestamp: now }));
      const tags = Object.entries(input.tags).map(([key, value]) => ({ key, value }));
      await mlflow.logBatch(input.runId, { metrics, tags });
      await mlflow.updateRun({ runId: input.runId, status: input.status });
    },
  };
}

export type TrackingActivities = ReturnType<typeof createTrackingActivities>;

export function trackingPlugin(deps: TrackingDeps) {
  return activityPlugin('anneal.tracking', createTrackingActivities(deps));
}

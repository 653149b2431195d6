import { Context } from '@temporalio/activity';
import { MLFLOW_TAGS, type TrackingContext } from '@anneal/contracts';
import type { MlflowClient } from './mlflow-client';
import type { Run } from './schemas';
import { workerIdentity } from './worker-identity';

export interface ActivityRun {
  runId: string;
  artifactUri: string;
  experimentId: string;
  /** Params already on the run (a retried attempt must not rewrite them: MLflow params are immutable). */
  existingParams: Map<string, string>;
}

/** Temporal identity of the current activity: what makes its MLflow run findable again after a retry. */
export function activityIdentity(): { workflowId: string; runId: string; activityId: string; activityType: string; attempt: number } {
  const info = Context.current().info;
  const execution = info.workflowExecution;
  if (!execution)
    throw new Error(`activity ${info.activityType} runs outside a workflow: Anneal's activities need the workflow's identity for their MLflow runs`);
  return {
    workflowId: execution.workflowId,
    runId: execution.runId,
    activityId: info.activityId,
    activityType: info.activityType,
    attempt: info.attempt,
  };
}

/**
 * Opens the MLflow run of the current activity as a child of `tracking.parentRunId`,
 * or reopens the one an earlier attempt of the same activity made.
 */
export async function openActivityRun(
  client: MlflowClient,
  options: { tracking: TrackingContext; runName: string; params?: Record<string, string> },
): Promise<ActivityRun> {
  const id = activityIdentity();
  const key = `${id.workflowId}/${id.runId}/${id.activityId}`;
  // Only a retry can find a run of its own: a first attempt skips the search (one MLflow round trip per activity).
  const existing = id.attempt > 1 ? await findRunByKey(client, options.tracking.experimentId, key) : undefined;
  const tags = {
    [MLFLOW_TAGS.parentRunId]: options.tracking.parentRunId,
    [MLFLOW_TAGS.workflowId]: id.workflowId,
    [MLFLOW_TAGS.runId]: id.runId,
    [MLFLOW_TAGS.activityId]: id.activityId,
    [MLFLOW_TAGS.activityType]: id.activityType,
    [MLFLOW_TAGS.attempt]: String(id.attempt),
    [MLFLOW_TAGS.idempotencyKey]: key,
    ...workerTags(),
  };
  let run: Run;
  if (existing) {
    run = existing;
    await client.updateRun({ runId: run.info.run_id, status: 'RUNNING' });
    const retag = { [MLFLOW_TAGS.attempt]: String(id.attempt), ...workerTags() };
    await client.logBatch(run.info.run_id, { tags: Object.entries(retag).map(([key, value]) => ({ key, value })) });
  } else {
    run = await client.createRun({ experimentId: options.tracking.experimentId, runName: options.runName, tags });
  }
  const existingParams = new Map(run.data.params.map((p) => [p.key, p.value]));
  const newParams = Object.entries(options.params ?? {})
    .filter(([k]) => !existingParams.has(k))
    .map(([key, value]) => ({ key, value }));
  if (newParams.length > 0) await client.logBatch(run.info.run_id, { params: newParams });
  for (const p of newParams) existingParams.set(p.key, p.value);
  return { runId: run.info.run_id, artifactUri: run.info.artifact_uri, experimentId: run.info.experiment_id, existingParams };
}

function workerTags(): Record<string, string> {
  const worker = workerIdentity();
  return { [MLFLOW_TAGS.workerIdentity]: worker.identity, [MLFLOW_TAGS.workerHost]: worker.host };
}

async function findRunByKey(client: MlflowClient, experimentId: string, key: string): Promise<Run | undefined> {
  const runs = await client.searchRuns({ experimentIds: [experimentId], filter: `tags.\`${MLFLOW_TAGS.idempotencyKey}\` = '${key}'`, maxResults: 1 });
  return runs[0];
}

/**
 * Runs `work` inside the activity's MLflow run: FINISHED on success, KILLED on cancellation, FAILED otherwise
 * (a retried attempt reopens it).
 * The error is rethrown unchanged so Temporal's retry policy sees it.
 */
export async function withActivityRun<T>(
  client: MlflowClient,
  options: { tracking: TrackingContext; runName: string; params?: Record<string, string> },
  work: (run: ActivityRun) => Promise<T>,
): Promise<T> {
  const run = await openActivityRun(client, options);
  try {
    const result = await work(run);
    await client.updateRun({ runId: run.runId, status: 'FINISHED' });
    return result;
  } catch (err) {
    const ctx = Context.current();
    // A worker shutting down hands the attempt to another worker, which reopens this run: it stays RUNNING.
    if (ctx.cancellationDetails?.workerShutdown) throw err;
    const cancelled = ctx.cancellationSignal.aborted;
    await client.updateRun({ runId: run.runId, status: cancelled ? 'KILLED' : 'FAILED' }).catch((closeErr: unknown) => {
      // Keep the original error; the close failure is only reported.
      Context.current().log.warn('could not close MLflow run', { runId: run.runId, error: String(closeErr) });
    });
    throw err;
  }
}

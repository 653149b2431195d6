import { CancellationScope, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { DatasetRef, DatasetSpec, PipelineRun, SplitOutput, SplitSpec, TrackingContext, ValidationSummary } from '@anneal/contracts';
import type { Activities } from './proxies';
import type { Visibility } from './search-attributes';

/** What every stage of a pipeline runs with: its activities and the MLflow run its runs hang under. */
export interface Stage {
  acts: Activities;
  ctx: TrackingContext;
}

/** Opens the pipeline's parent run, runs `body` under it and closes it as FINISHED, FAILED or KILLED. */
export async function withPipelineRun<T>(
  options: {
    acts: Activities;
    /** The pipeline's search attributes: the stage ends as `failed` or `cancelled` when the body throws. */
    visibility: Visibility;
    experimentName: string;
    runName: string;
    params: Record<string, string>;
    summarize: (result: T) => Record<string, number>;
    /** Tags for the finished run (e.g. why nothing was trained). */
    tagsOf?: (result: T) => Record<string, string>;
  },
  body: (run: PipelineRun, stage: Stage) => Promise<T>,
): Promise<T> {
  const { tracking } = options.acts;
  const info = workflowInfo();
  const run = await tracking.openPipelineRun({
    experimentName: options.experimentName,
    runName: options.runName,
    params: options.params,
    tags: { 'anneal.workflowType': info.workflowType, 'temporal.taskQueue': info.taskQueue },
  });
  try {
    const result = await body(run, { acts: options.acts, ctx: { experimentId: run.experimentId, parentRunId: run.runId } });
    await tracking.closeRun({ runId: run.runId, status: 'FINISHED', metrics: options.summarize(result), tags: options.tagsOf?.(result) ?? {} });
    return result;
  } catch (err) {
    options.visibility.stage(isCancellation(err) ? 'cancelled' : 'failed');
    await CancellationScope.nonCancellable(() => tracking.closeRun({ runId: run.runId, status: isCancellation(err) ? 'KILLED' : 'FAILED' }));
    throw err;
  }
}

/** ingest -> validate -> stratified split: nothing trains on data that failed validation. */
export async function prepareData(stage: Stage, spec: { dataset: DatasetSpec; split: SplitSpec }): Promise<SplitOutput> {
  return validateAndSplit(stage, spec, await ingest(stage, spec));
}

export async function ingest(stage: Stage, spec: { dataset: DatasetSpec }): Promise<DatasetRef> {
  return (await stage.acts.data.ingestDataset({ tracking: stage.ctx, dataset: spec.dataset })).dataset;
}

export async function validateAndSplit(
  stage: Stage,
  spec: { dataset: DatasetSpec; split: SplitSpec },
  dataset: DatasetRef,
): Promise<SplitOutput & { report: ValidationSummary }> {
  const report = await stage.acts.data.validateDataset({ tracking: stage.ctx, dataset, spec: spec.dataset });
  const split = await stage.acts.data.splitDataset({
    tracking: stage.ctx,
    dataset,
    split: spec.split,
    leakage: spec.dataset.validation.checks.leakage,
    maxImbalance: spec.dataset.validation.maxImbalance,
  });
  return { ...split, report };
}

/** A flat, string-valued view of a spec for MLflow params (`tuning.trials` = "4"). */
export function flattenParams(value: unknown, prefix = ''): Record<string, string> {
  if (Array.isArray(value)) {
    // An empty list is no setting; a list of objects (warm-start configurations) is kept whole, as JSON.
    if (value.length === 0) return {};
    return { [prefix]: value.some((v) => v !== null && typeof v === 'object') ? JSON.stringify(value) : value.join(',') };
  }
  if (value === null || typeof value !== 'object') return { [prefix]: String(value) };
  return Object.entries(value as Record<string, unknown>).reduce<Record<string, string>>(
    (acc, [k, v]) => ({ ...acc, ...flattenParams(v, prefix ? `${prefix}.${k}` : k) }),
    {},
  );
}

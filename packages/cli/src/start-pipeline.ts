import { randomUUID } from 'node:crypto';
import { ServiceError, isGrpcServiceError, type Client, type WorkflowHandle } from '@temporalio/client';
import { CPU_TASK_QUEUE } from '@anneal/contracts';
import type { FineTuneResult, PretrainResult, TuneResult } from '@anneal/workflows';
import { progressDisplay, watchProgress } from './progress';
import { UsageError } from './cli-context';
import { PIPELINE_TYPES, readSpecFile, type PipelineType } from './spec-file';
import { withWarmStartFrom } from './warm-start';

export { PIPELINE_TYPES };
export type { PipelineType };

export type PipelineResult = FineTuneResult | PretrainResult | TuneResult;

export function isPipelineType(type: string): type is PipelineType {
  return (PIPELINE_TYPES as readonly string[]).includes(type);
}

export interface StartedPipeline {
  type: PipelineType;
  workflowId: string;
  runId: string;
  handle: WorkflowHandle;
}

/** Reads a spec file, validates it with the workflow's own schema (so a bad spec fails here, listing every problem), and starts it. */
export async function startPipeline(
  client: Client,
  options: { specPath: string; type?: PipelineType; workflowId?: string; warmStartFrom?: string; say?: (line: string) => void },
): Promise<StartedPipeline> {
  const { type, raw: read, spec } = await readSpecFile(options.specPath, options.type);
  let raw = read;
  if (options.warmStartFrom) {
    if (type === 'pretrain') throw new UsageError('--warm-start-from: a pretrain spec has no search to warm-start');
    const warm = await withWarmStartFrom(client, raw, options.warmStartFrom);
    raw = warm.raw;
    options.say?.(`warm start from ${options.warmStartFrom}: ${JSON.stringify(warm.entry)}, tried first`);
  }
  const name = spec.name;
  const workflowId = options.workflowId ?? `${type}-${name}-${randomUUID().slice(0, 8)}`;
  // The raw spec goes in: the workflow parses it again with the same schema (defaults applied there).
  const handle = await client.workflow.start(type, { taskQueue: CPU_TASK_QUEUE, workflowId, args: [raw] });
  return { type, workflowId, runId: handle.firstExecutionRunId, handle };
}

export interface FollowOptions {
  interactive: boolean;
  /** Told when the server is lost and when it answers again; following goes on across a restart. */
  onServer?: (state: 'lost' | 'back', err?: Error) => void;
  /** Delay before the next try while the server is away (ms, doubled to 10 s). */
  retryDelayMs?: number;
  /** Stops the progress display (and gives the terminal its cursor back) when the user stops following. */
  signal?: AbortSignal;
}

export async function waitForPipeline(started: Pick<StartedPipeline, 'type' | 'handle'>, options: FollowOptions): Promise<PipelineResult> {
  const stop = started.type !== 'pretrain' ? watchProgress(started.handle, progressDisplay({ interactive: options.interactive })) : () => {};
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    return await resultThroughRestarts<PipelineResult>(started.handle, options);
  } finally {
    stop();
  }
}

/**
 * The workflow's result, waiting out a Temporal server that is away (restarting, a network blip): the pipeline goes
 * on without us, so losing the server is no reason to stop following it. Anything else (the workflow failed, was
 * not found) is thrown.
 */
export async function resultThroughRestarts<T>(handle: { result(): Promise<unknown> }, options: Omit<FollowOptions, 'interactive'> = {}): Promise<T> {
  let delay = options.retryDelayMs ?? 1000;
  let lost = false;
  for (;;) {
    try {
      const result = (await handle.result()) as T;
      if (lost) options.onServer?.('back');
      return result;
    } catch (err) {
      if (!isServerAway(err)) throw err;
      if (!lost) options.onServer?.('lost', err as Error);
      lost = true;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

// gRPC status codes: the server did not answer (UNAVAILABLE) or not in time (DEADLINE_EXCEEDED).
const SERVER_AWAY_CODES = new Set([14, 4]);

export function isServerAway(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) && SERVER_AWAY_CODES.has(cause.code);
}

export function links(options: {
  mlflowUri: string;
  temporalUi: string;
  namespace: string;
  experimentId: string;
  runId: string;
  workflowId: string;
  workflowRunId: string;
}) {
  return {
    mlflow: `${options.mlflowUri}/#/experiments/${options.experimentId}/runs/${options.runId}`,
    temporal: `${options.temporalUi}/namespaces/${options.namespace}/workflows/${encodeURIComponent(options.workflowId)}/${options.workflowRunId}/history`,
  };
}

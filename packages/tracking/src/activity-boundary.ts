import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import { SimplePlugin } from '@temporalio/plugin';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { z } from 'zod';
import { ErrorType, TransientErrorType } from '@anneal/contracts';
import { toActivityFailure } from './activity-failure';

/**
 * A fault to inject at the start of an activity (`ANNEAL_FAILPOINTS`, a JSON array of these), for fault-injection
 * tests and drills, the way gofail's or fail-rs' failpoints work: a delay that opens a window to kill a worker
 * mid-activity, and/or a failure.
 */
export const Failpoint = z.strictObject({
  /** The activity type (`ingestDataset`, `fineTune`, ...). */
  activity: z.string().min(1),
  /** A regular expression the activity's workflow id must match (e.g. `/trial-1$`); any workflow when absent. */
  workflowId: z.string().optional(),
  /** Only on this attempt, so that the retry after it runs normally. */
  attempt: z.number().int().positive().default(1),
  delayMs: z.number().int().nonnegative().max(600_000).default(0),
  fail: z.enum(['nonRetryable', 'retryable']).optional(),
});
export type Failpoint = z.infer<typeof Failpoint>;
export const Failpoints = z.array(Failpoint);

export interface ActivityBoundaryOptions {
  failpoints?: Failpoint[];
}

/**
 * Cross-cutting work around every activity of a worker, in one interceptor (the way the Temporal SDK's OpenTelemetry
 * plugin wraps activities): failures are classified by `toActivityFailure`, so no activity has to remember which of
 * its errors are retryable; and every activity with a heartbeat timeout is kept alive while it runs.
 */
export function activityBoundaryInterceptors(options: ActivityBoundaryOptions = {}): ActivityInterceptorsFactory {
  const failpoints = options.failpoints ?? [];
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const stop = keepAlive(ctx);
        try {
          await injectFaults(ctx, failpoints);
          return await next(input);
        } catch (err) {
          throw toActivityFailure(err);
        } finally {
          stop();
        }
      },
    },
  });
}

/** The boundary as a worker plugin: compose every Anneal worker with it (`createWorkers` does). */
export function activityBoundaryPlugin(options: ActivityBoundaryOptions = {}): SimplePlugin {
  return new SimplePlugin({ name: 'anneal.activity-boundary', workerInterceptors: { activity: [activityBoundaryInterceptors(options)] } });
}

/**
 * Heartbeats on the activity's behalf while it runs, so that a short or quiet activity (validate, split, evaluate,
 * register) is watched as closely as training: a dead worker or a completion lost while the Temporal server restarted
 * is noticed within the heartbeat timeout. It repeats the details the activity itself last gave (or the previous
 * attempt's), so a resumable activity's checkpoint reference is never overwritten. Returns the function that stops it.
 */
export function keepAlive(ctx: Context): () => void {
  const timeoutMs = ctx.info.heartbeatTimeoutMs;
  if (!timeoutMs) return () => {};
  // The SDK routes Context.heartbeat through this injected function; wrapping it is how the last details are known.
  const holder = ctx as unknown as { heartbeatFn: (details?: unknown) => void };
  const send = holder.heartbeatFn;
  let details: unknown = ctx.info.heartbeatDetails;
  let lastAt = 0;
  holder.heartbeatFn = (d?: unknown) => {
    details = d;
    lastAt = Date.now();
    send(d);
  };
  const everyMs = Math.max(200, Math.min(timeoutMs / 3, 10_000));
  const beat = () => {
    if (Date.now() - lastAt < everyMs) return;
    lastAt = Date.now();
    send(details);
  };
  beat();
  const timer = setInterval(beat, everyMs);
  return () => {
    clearInterval(timer);
    holder.heartbeatFn = send;
  };
}

async function injectFaults(ctx: Context, failpoints: Failpoint[]): Promise<void> {
  const { activityType, attempt, workflowExecution } = ctx.info;
  const workflowId = workflowExecution?.workflowId ?? '';
  for (const point of failpoints) {
    if (point.activity !== activityType || point.attempt !== attempt) continue;
    if (point.workflowId !== undefined && !new RegExp(point.workflowId).test(workflowId)) continue;
    if (point.delayMs > 0) await ctx.sleep(point.delayMs);
    if (point.fail) {
      const message = `failure injected by ANNEAL_FAILPOINTS into ${activityType} (workflow ${workflowId}, attempt ${attempt})`;
      throw point.fail === 'nonRetryable'
        ? ApplicationFailure.nonRetryable(message, ErrorType.InjectedFault)
        : ApplicationFailure.retryable(message, TransientErrorType.ServiceUnavailable);
    }
  }
}

import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { ErrorType } from '@anneal/contracts';

export interface FailedTrial {
  label: string;
  error: string;
}

export interface Settled<T> {
  /** The runs that succeeded, with their index among those started. */
  succeeded: { index: number; value: T }[];
  failed: FailedTrial[];
}

/**
 * Waits for every run (allSettled): one failed trial is not a failed study. Fails only when every run failed, or
 * when the workflow itself is being cancelled (a cancellation is never mistaken for a failed trial).
 */
export async function settleAll<T>(runs: { label: string; run: Promise<T> }[], what: string): Promise<Settled<T>> {
  const settled = await Promise.allSettled(runs.map((r) => r.run));
  const succeeded: Settled<T>['succeeded'] = [];
  const failed: FailedTrial[] = [];
  settled.forEach((s, index) => {
    if (s.status === 'fulfilled') succeeded.push({ index, value: s.value });
    else if (isCancellation(s.reason)) throw s.reason;
    else failed.push({ label: runs[index]?.label ?? String(index), error: rootCauseMessage(s.reason) });
  });
  if (succeeded.length === 0 && runs.length > 0) throw everyFailed(what, failed);
  return { succeeded, failed };
}

/** The failure of a search none of whose runs succeeded: non-retryable, listing why each failed. */
export function everyFailed(what: string, failed: FailedTrial[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`every ${what} failed: ${failed.map((f) => `${f.label}: ${f.error}`).join('; ')}`, ErrorType.AllTrialsFailed, {
    failed,
  });
}

/** The innermost message of a failure chain (child workflow -> activity -> application failure). */
export function rootCauseMessage(err: unknown): string {
  let e = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const type = e instanceof ApplicationFailure && e.type ? `${e.type}: ` : '';
  return `${type}${e instanceof Error ? e.message : String(e)}`;
}

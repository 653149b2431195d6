import type { Context } from '@temporalio/activity';
import { TRIAL_EPOCH_SIGNAL, type ReportTo, type TrialEpochReport } from '@anneal/contracts';

export interface EpochReporter {
  report(e: { epoch: number; valLoss: number; valAccuracy: number }): void;
  /** Waits until every report sent has been answered (or failed). */
  settled(): Promise<void>;
}

/**
 * Sends each epoch's validation figures to the trial's study as a signal, in the background so training never waits
 * on the server; the activity awaits `settled` before it returns, so the study has a rung's epochs before its result.
 * A study that cannot be reached (it ended, the server is away past the client's retries) costs a report, not the
 * training: it is logged, and the rung's result carries the figures the study decides by.
 */
export function epochReporter(ctx: Context, to: ReportTo | undefined): EpochReporter {
  const sent: Promise<void>[] = [];
  return {
    report(e) {
      if (!to) return;
      const report: TrialEpochReport = { trial: to.trial, epoch: e.epoch, valLoss: finite(e.valLoss), valAccuracy: finite(e.valAccuracy) };
      sent.push(
        ctx.client.workflow
          .getHandle(to.workflowId)
          .signal(TRIAL_EPOCH_SIGNAL, report)
          .catch((err: unknown) => ctx.log.warn('epoch report not delivered to the study', { workflowId: to.workflowId, epoch: e.epoch, error: String(err) })),
      );
    },
    async settled() {
      await Promise.all(sent);
    },
  };
}

/** JSON has no NaN or Infinity: a diverged epoch's figure travels as null. */
function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

import { z } from 'zod';

/** The signal a training activity sends its study after each epoch (`TrialEpochReport`). */
export const TRIAL_EPOCH_SIGNAL = 'trialEpoch';

/** Where a study's trial reports its epochs: the study's workflow, and which trial this is. */
export const ReportTo = z.object({
  workflowId: z.string().min(1),
  trial: z.number().int().nonnegative(),
});
export type ReportTo = z.infer<typeof ReportTo>;

/**
 * One epoch of a trial, as its study hears of it: the epoch (counted from 0 over all rungs) and its validation
 * figures. A retried activity re-runs the epochs after its checkpoint and reports them again: the study keeps the
 * first report of each (trial, epoch).
 */
export const TrialEpochReport = z.object({
  trial: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  /** Null where training diverged (JSON has no NaN). */
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
});
export type TrialEpochReport = z.infer<typeof TrialEpochReport>;

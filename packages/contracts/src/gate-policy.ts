import { z } from 'zod';
import { strictObject } from './strict-object';

/** The metrics a gate can judge by (all in [0, 1], higher is better). */
export const GateMetric = z.enum(['accuracy', 'macroF1', 'rocAucMacro']);
export type GateMetric = z.infer<typeof GateMetric>;

const share = z.number().min(0).max(1);

/**
 * When a challenger may replace the champion. Every check must pass; with no champion yet only the floors apply.
 * The defaults promote a challenger that is not worse on `metric` and drops no class's recall by more than 0.1.
 */
export const GatePolicy = strictObject({
  /** The metric the improvement is measured on. */
  metric: GateMetric.default('accuracy'),
  /** Minimum test figures, champion or not: `{ "accuracy": 0.9 }`. */
  floors: strictObject({ accuracy: share.optional(), macroF1: share.optional(), rocAucMacro: share.optional() }).default({}),
  /** challenger - champion >= absolute (0: not worse), and, when given, (challenger - champion) / champion >= relative. */
  minImprovement: strictObject({ absolute: z.number().min(-1).max(1).default(0), relative: z.number().min(-1).max(10).optional() }).prefault({}),
  /**
   * Exact McNemar test on per-example correctness (the same rows for both): the challenger must be right on
   * significantly more of the rows they disagree on, at level `alpha`. Off unless given.
   */
  pairedTest: strictObject({ alpha: z.number().gt(0).lt(1).default(0.05) }).optional(),
  /** No class's recall may fall by more than this against the champion's; null turns the check off. */
  maxRecallDrop: share.nullable().default(0.1),
  /** Score both on the champion's test split (its `split.pinnedTest`), so they are judged on the same rows. */
  pinChampionTest: z.boolean().default(true),
});
export type GatePolicy = z.output<typeof GatePolicy>;

/** A `ms`-style duration as Temporal takes it: `30s`, `15m`, `12h`, `7d`. */
export const Duration = z.string().regex(/^\d+(s|m|h|d)$/, 'expected a duration such as 30s, 15m, 12h or 7d');

export const ApprovalPolicy = strictObject({
  /** After a passed gate, wait for `anneal approve` (a Temporal Update) before promoting. */
  required: z.boolean().default(false),
  /** Nothing is promoted when no decision comes within this time. */
  timeout: Duration.default('7d'),
});
export type ApprovalPolicy = z.output<typeof ApprovalPolicy>;

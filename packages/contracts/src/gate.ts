import { z } from 'zod';
import { DriftSummary, EvaluationMetrics } from './activities';
import { DatasetRef, ModelRef, TrackingContext } from './refs';
import { BackendName } from './spec-parts';
import { GatePolicy } from './gate-policy';

/** One side of the gate: a registered version scored on the gate's rows. */
export const GateSide = z.object({
  version: z.string(),
  metrics: EvaluationMetrics,
  /** Recall of each class, in the order of `classes`. */
  recall: z.array(z.number()),
});
export type GateSide = z.infer<typeof GateSide>;

export const GateCheck = z.object({ name: z.string(), passed: z.boolean(), detail: z.string() });
export type GateCheck = z.infer<typeof GateCheck>;

export const GateVerdict = z.object({
  passed: z.boolean(),
  checks: z.array(GateCheck),
  classes: z.array(z.string()),
  rows: z.number().int(),
  /** `pinned`: the champion's own test split; `this split`: the retrain's (the champion may have seen those rows). */
  rowsFrom: z.enum(['pinned', 'this split']),
  challenger: GateSide,
  champion: GateSide.optional(),
  /** Rows only the challenger got right, only the champion got right, and the exact two-sided McNemar p-value. */
  mcnemar: z.object({ challengerOnly: z.number().int(), championOnly: z.number().int(), pValue: z.number() }).optional(),
  /** The new data's drift against the champion's training data, from validation (shown, not judged). */
  drift: DriftSummary.optional(),
});
export type GateVerdict = z.infer<typeof GateVerdict>;

export const GateInput = z.object({
  tracking: TrackingContext,
  /** Registered versions (ModelRef with `version`). */
  challenger: ModelRef.extend({ version: z.string() }),
  champion: ModelRef.extend({ version: z.string() }).optional(),
  test: DatasetRef,
  rowsFrom: z.enum(['pinned', 'this split']),
  policy: GatePolicy,
  drift: DriftSummary.optional(),
  backend: BackendName.default('auto'),
});

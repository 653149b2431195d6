import { z } from 'zod';
import { EvaluationMetrics } from './activities';
import { ALIASES } from './aliases';
import { ArtifactRef, DatasetRef, ModelRef, TrackingContext } from './refs';

/** What an alias points at, read from the version's tags in one place. */
export const AliasDescription = z.object({
  name: z.string(),
  alias: z.string(),
  version: z.string(),
  /** Absent for a version registered outside Anneal (a model folder registered by hand). */
  model: ModelRef.optional(),
  /** The dataset the version was fine-tuned from, and its order-independent content digest. */
  dataset: ArtifactRef.optional(),
  contentDigest: z.string().optional(),
  /** The test split it was scored on: a retrain scores challenger and champion on these rows. */
  testSplit: DatasetRef.optional(),
  testMetrics: EvaluationMetrics.partial().optional(),
});
export type AliasDescription = z.infer<typeof AliasDescription>;

export const DescribeAliasInput = z.object({ name: z.string().min(1), alias: z.string().min(1) });

export const RegisterVersionInput = z.object({
  tracking: TrackingContext,
  model: ModelRef,
  name: z.string().min(1),
  /** The run that produced the model; the version links to it. */
  sourceRunId: z.string().min(1),
  tags: z.record(z.string(), z.string()).default({}),
  description: z.string().default(''),
  testSplit: DatasetRef.optional(),
  testMetrics: EvaluationMetrics.optional(),
});
export const RegisteredVersion = z.object({ name: z.string(), version: z.string() });
export type RegisteredVersion = z.infer<typeof RegisteredVersion>;

/** Who moved an alias and why: the audit trail's facts. */
export const MoveReason = z.object({
  reason: z.string().min(1),
  /** The workflow that moved it; absent for a person at the command line. */
  workflowId: z.string().optional(),
  approver: z.string().optional(),
  comment: z.string().optional(),
});
export type MoveReason = z.infer<typeof MoveReason>;

export const MoveAliasInput = MoveReason.extend({
  name: z.string().min(1),
  alias: z.string().min(1),
  version: z.string().min(1),
  /**
   * Compare-and-set: the version the alias must still point at (null: it must not exist yet); the move fails with
   * AliasMovedError otherwise. Absent: move it wherever it points.
   */
  expected: z.string().nullable().optional(),
});
export type MoveAliasInput = z.infer<typeof MoveAliasInput>;
export const AliasMove = z.object({ name: z.string(), alias: z.string(), from: z.string().nullable(), to: z.string(), auditRunId: z.string() });
export type AliasMove = z.infer<typeof AliasMove>;

/** `champion` to the challenger and `previous` to the old champion, if the champion is still where the gate saw it. */
export const PromoteInput = MoveReason.extend({
  name: z.string().min(1),
  version: z.string().min(1),
  alias: z.string().min(1).default(ALIASES.champion),
  expectedChampion: z.string().nullable(),
});
export type PromoteInput = z.infer<typeof PromoteInput>;

/** An approval or rejection of a challenger, sent to a waiting retrain as a Temporal Update. */
export const ApprovalDecision = z.object({
  version: z.string().min(1, 'the challenger version being decided'),
  approver: z.string().trim().min(1, 'approver: who decides'),
  comment: z.string().default(''),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

/** A person's decision on a challenger (or its absence), for the audit trail. */
export const DecisionRecordInput = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  decision: z.enum(['approved', 'rejected', 'timed out']),
  approver: z.string().optional(),
  comment: z.string().optional(),
  workflowId: z.string().optional(),
});

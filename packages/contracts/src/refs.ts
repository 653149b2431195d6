import { z } from 'zod';

/** sha256 hex digest of an artifact's content. */
export const Digest = z.string().regex(/^[a-f0-9]{64}$/, 'expected a sha256 hex digest');

/** Where an artifact lives (an MLflow artifact URI such as `mlflow-artifacts:/1/abc/artifacts/model`) and what it must hash to. */
export const ArtifactRef = z.object({ uri: z.string().min(1), digest: Digest });
export type ArtifactRef = z.infer<typeof ArtifactRef>;

/** A dataset stored as an artifact; small facts travel with the reference so workflows can decide without loading it. */
export const DatasetRef = ArtifactRef.extend({
  name: z.string(),
  rows: z.number().int().nonnegative(),
  featureShape: z.array(z.number().int().positive()).min(1),
  classes: z.array(z.string()).min(1),
  /** sha256 over the sorted row digests: the same rows in any order give the same value (`digest` follows the order). */
  contentDigest: Digest.optional(),
});
export type DatasetRef = z.infer<typeof DatasetRef>;

/** A TF.js layers model stored as an artifact (model.json + weights.bin). */
export const ModelRef = ArtifactRef.extend({
  name: z.string(),
  /** Registry version when the model came from (or went to) the MLflow Model Registry. */
  version: z.string().optional(),
  inputShape: z.array(z.number().int().positive()).min(1),
  /** Index of the last layer that belongs to the pre-trained base (the head comes after it). */
  baseLayers: z.number().int().nonnegative(),
  /**
   * The base/head cut of a model imported from elsewhere: the layer whose output feeds a new head; feature
   * extraction freezes it and every layer before it. Absent for Anneal's own models (their `base_*` layers and
   * `head` say it).
   */
  cut: z.string().optional(),
  /** The input layers an imported image model was given to take the task's rows (reshape, upsampling, RGB, range). */
  inputContract: z.string().optional(),
  /** Output classes in the order of the head's units, once the model has a task head. */
  classes: z.array(z.string()).optional(),
});
export type ModelRef = z.infer<typeof ModelRef>;

/** Whether two class lists name the same classes, in any order (a model and a dataset, or two models, of one task). */
export function sameClasses(a: readonly string[], b: readonly string[]): boolean {
  const sorted = [...b].sort();
  return a.length === b.length && [...a].sort().every((c, i) => c === sorted[i]);
}

/** A training checkpoint (weights, optimizer and early-stopping state) after `epoch`. */
export const CheckpointRef = z.object({ uri: z.string(), digest: z.string(), epoch: z.number().int().nonnegative() });
export type CheckpointRef = z.infer<typeof CheckpointRef>;

/** Where an activity logs: the pipeline's MLflow experiment and the run its own run hangs under. */
export const TrackingContext = z.object({
  experimentId: z.string().min(1),
  parentRunId: z.string().min(1),
});
export type TrackingContext = z.infer<typeof TrackingContext>;

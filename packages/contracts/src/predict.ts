import { z } from 'zod';
import { DatasetSource } from './dataset-spec';
import { ModelsUriString } from './models-uri';
import { TrackingContext } from './refs';
import { Durability } from './spec-parts';
import { strictObject } from './strict-object';

/** A batch to score with a registered model; the predictions go to the activity's MLflow run. */
export const ScoreBatchInput = z.object({
  tracking: TrackingContext,
  /** `models:/<name>@<alias>` or `models:/<name>/<version>`. */
  model: ModelsUriString,
  source: DatasetSource,
  /** A table's label column, when the rows have one (accuracy is logged too). */
  labelColumn: z.string().min(1).optional(),
  format: z.enum(['csv', 'jsonl']).default('csv'),
});

export const ScoredBatch = z.object({
  /** The predictions artifact (by reference: a batch can be large). */
  uri: z.string(),
  digest: z.string(),
  runId: z.string(),
  model: z.object({ name: z.string(), version: z.string() }),
  rows: z.number().int().nonnegative(),
  invalidRows: z.number().int().nonnegative(),
  accuracy: z.number().optional(),
});
export type ScoredBatch = z.infer<typeof ScoredBatch>;

/** The `batchPredict` workflow's input: score a batch with a registered model, as a pipeline of its own in MLflow. */
export const BatchPredictSpec = strictObject({
  /** The MLflow experiment the scoring run goes to. */
  name: z.string().min(1),
  model: ScoreBatchInput.shape.model,
  source: DatasetSource,
  labelColumn: z.string().min(1).optional(),
  format: z.enum(['csv', 'jsonl']).default('csv'),
  durability: Durability.prefault({}),
});
export type BatchPredictSpec = z.infer<typeof BatchPredictSpec>;

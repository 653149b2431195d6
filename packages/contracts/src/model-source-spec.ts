import { z } from 'zod';
import { strictObject } from './strict-object';
import { Name } from './spec-parts';

const MiB = 1024 * 1024;

/**
 * Where the base/head cut goes: the name of the layer whose output feeds the new head (a spatial output gets a
 * global average pooling first). Default: the input of the model's last layer, its old classifier.
 */
const cutAt = z.string().min(1).optional();

/**
 * How the task's rows meet an image model's input, applied by layers inside the model (training, evaluation and the
 * registered model alike): reshaped to images, upsampled by a whole factor towards `size` (the model, convolutional
 * up to its cut, runs at that size with the same weights), grey repeated to RGB, and rescaled from the datasets'
 * [0, 1] to the range the model was trained on.
 */
export const InputContract = strictObject({
  /** Side in pixels to upsample the images towards; by default the model's own input size. */
  size: z.number().int().min(8).max(1024).optional(),
  /** The pixel range the model was trained on: `unit` [0, 1] or `symmetric` [-1, 1]. */
  range: z.enum(['unit', 'symmetric']).default('unit'),
});
export type InputContract = z.infer<typeof InputContract>;
const input = InputContract.prefault({});
/** `scratch`: the source's architecture with fresh (seeded) weights, the baseline that shows what pre-training gave. */
const weights = z.enum(['pretrained', 'scratch']).default('pretrained');

/** A model Anneal pretrained and registered (layers `base_*`, then a `head`). */
export const RegistryModelSource = strictObject({ kind: z.literal('registry'), name: Name, alias: z.string().min(1).default('base'), cutAt });

/** A TF.js LayersModel (`model.json` and its weight shards) inside the worker's data roots (ANNEAL_DATA_ROOTS). */
export const FileModelSource = strictObject({ kind: z.literal('file'), path: z.string().min(1), cutAt, input, weights });

/** A TF.js LayersModel over http(s): `model.json`, then its shards beside it; streamed with a size cap and retries. */
export const UrlModelSource = strictObject({
  kind: z.literal('url'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL of a model.json' }),
  /** Pins the model: sha256 of model.json followed by its shards in manifest order (`anneal model inspect` prints it). */
  sha256: z.string().regex(/^[a-f0-9]{64}$/, 'expected a sha256 hex digest').optional(),
  /** Cap on model.json and its shards together. */
  maxBytes: z.number().int().positive().default(1024 * MiB),
  timeoutMs: z.number().int().positive().max(600_000).default(30_000),
  retries: z.number().int().nonnegative().max(10).default(3),
  cutAt,
  input,
  weights,
});

/** A Keras `.h5` model file (tf.keras / Keras 2 layout) inside the worker's data roots. */
export const KerasModelSource = strictObject({ kind: z.literal('keras'), path: z.string().min(1), cutAt, input, weights });

/**
 * A model on the MLflow tracking server: a folder holding model.json (`runs:/<run id>/<path>`,
 * `mlflow-artifacts:/<path>`) or a registered version (`models:/<name>/<version>`, `models:/<name>@<alias>`).
 */
export const MlflowModelSource = strictObject({
  kind: z.literal('mlflow'),
  uri: z.string().regex(/^(runs:\/[0-9a-f]+\/|mlflow-artifacts:\/|models:\/[^/@]+(\/\d+|@[^/@]+)$)/, 'expected runs:/<run id>/<path>, mlflow-artifacts:/<path>, models:/<name>/<version> or models:/<name>@<alias>'),
  cutAt,
  input,
  weights,
});

import { z } from 'zod';
import { strictObject } from './strict-object';
import { Name } from './spec-parts';

const MiB = 1024 * 1024;

/**
 * Where the base/head cut goes: the name of the layer whose output feeds the new head (a spatial output gets a
 * global average pooling first). Default: the input of the model's last layer, its old classifier.
 */
const cutAt = z.string().min(1).optional();

const perChannel = z.array(z.number()).min(1).max(4);

/**
 * How the task's rows meet an image model's input, applied by layers inside the model (training, evaluation and the
 * registered model alike): reshaped to images, upsampled by a whole factor towards `size` (the model, convolutional
 * up to its cut, runs at that size with the same weights), grey repeated to RGB, and rescaled from the datasets'
 * [0, 1] to the range the model was trained on, or standardized with its per-channel mean and std.
 */
export const InputContract = strictObject({
  /** Side in pixels to upsample the images towards; by default the model's own input size. */
  size: z.number().int().min(8).max(1024).optional(),
  /** The pixel range the model was trained on: `unit` [0, 1] or `symmetric` [-1, 1]. */
  range: z.enum(['unit', 'symmetric']).default('unit'),
  /**
   * Per-channel standardization, `(x - mean) / std` on [0, 1] pixels (ImageNet's: mean [0.485, 0.456, 0.406], std
   * [0.229, 0.224, 0.225]); one value or one per channel of the model's input.
   */
  normalize: strictObject({ mean: perChannel, std: perChannel.refine((s) => s.every((v) => v > 0), 'every std must be positive') }).optional(),
}).refine((c) => !c.normalize || c.range === 'unit', { message: 'normalize applies to [0, 1] pixels: leave range at unit', path: ['range'] });
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
  sha256: z
    .string()
    .regex(/^[a-f0-9]{64}$/, 'expected a sha256 hex digest')
    .optional(),
  /** Cap on model.json and its shards together. */
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * MiB),
  timeoutMs: z.number().int().positive().max(600_000).default(30_000),
  retries: z.number().int().nonnegative().max(10).default(3),
  cutAt,
  input,
  weights,
});

/** A Keras model file inside the worker's data roots: `.h5` (tf.keras / Keras 2) or a Keras 3 `.keras` archive. */
export const KerasModelSource = strictObject({ kind: z.literal('keras'), path: z.string().min(1), cutAt, input, weights });

/**
 * A TF.js GraphModel (a frozen graph, such as a TF Hub image feature vector) inside the data roots: a frozen feature
 * extractor only, since a graph has no layers to train. `cutAt` names the graph node whose output feeds the new head
 * (default: the input of the graph's last matrix multiplication, its old classifier; the graph's output without one).
 */
export const GraphModelSource = strictObject({ kind: z.literal('graph'), path: z.string().min(1), cutAt, input });

/**
 * A model on the MLflow tracking server: a folder holding model.json (`runs:/<run id>/<path>`,
 * `mlflow-artifacts:/<path>`) or a registered version (`models:/<name>/<version>`, `models:/<name>@<alias>`).
 */
export const MlflowModelSource = strictObject({
  kind: z.literal('mlflow'),
  uri: z
    .string()
    .regex(
      /^(runs:\/[0-9a-f]+\/|mlflow-artifacts:\/|models:\/[^/@]+(\/\d+|@[^/@]+)$)/,
      'expected runs:/<run id>/<path>, mlflow-artifacts:/<path>, models:/<name>/<version> or models:/<name>@<alias>',
    ),
  cutAt,
  input,
  weights,
});

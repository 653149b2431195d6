import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { MLFLOW_TAGS, type ArtifactRef } from '@anneal/contracts';
import { GRAPH_FEATURES_CLASS } from '@anneal/models';
import type { ArtifactStore, MlflowClient } from '@anneal/tracking';

/** Experiment that holds computed features, one run per (base, feature layer, dataset). */
export const FEATURES_EXPERIMENT = 'anneal-features';
const KEY_TAG = 'anneal.features.key';
const REF_TAG = 'anneal.features.ref';

/** Layers that act differently in training: the frozen prefix stops before them, so caching changes nothing. */
const STOCHASTIC = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

export interface FrozenSplit {
  /** The last layer of the frozen prefix: its output is what gets cached. */
  featureLayer: string;
  /** The model from its input to the feature layer. */
  extractor: tf.LayersModel;
  /** The layers after it, on an input of the feature shape, sharing their weights with the whole model. */
  head: tf.LayersModel;
}

/** How much larger than a row a frozen base's output may be for caching it to pay (an image base's is ~2x at most). */
const MAX_FEATURE_GROWTH = 8;

/**
 * Cuts a model whose first layers are frozen into the frozen base (run once, cached) and the part that learns.
 * Returns the reason instead when there is nothing worth caching (no frozen layer with weights, or an output many
 * times the size of the input) or when the learning part is not a chain of layers (branches after the frozen base).
 */
export function splitFrozenBase(model: tf.LayersModel): FrozenSplit | { reason: string } {
  const layers = model.layers;
  let end = -1;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i] as tf.layers.Layer;
    if (layer.trainableWeights.length > 0 || STOCHASTIC.has(layer.getClassName())) break;
    end = i;
  }
  // A frozen graph (GraphFeatures) holds its weights as constants: it is the costliest frozen work of all.
  if (!layers.slice(0, end + 1).some((l) => l.weights.length > 0 || l.getClassName() === GRAPH_FEATURES_CLASS))
    return { reason: 'no frozen layer with weights before the first one that learns' };
  const rest = layers.slice(end + 1);
  const chained = rest.every((l, i) => {
    const inbound = l.inboundNodes.flatMap((n) => n.inboundLayers);
    return inbound.length === 1 && inbound[0] === layers[end + i];
  });
  if (!chained || rest.length === 0) return { reason: 'the layers after the frozen base are not a chain' };
  const feature = layers[end] as tf.layers.Layer;
  const size = (shape: unknown) => (shape as (number | null)[]).slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  const [inputSize, featureSize] = [size(model.inputs[0]?.shape), size(feature.outputShape)];
  // A frozen embedding turns each token id into a whole vector: caching that costs more than looking it up again.
  if (featureSize > MAX_FEATURE_GROWTH * inputSize)
    return {
      reason: `the frozen base's output (${featureSize} values a row) is over ${MAX_FEATURE_GROWTH} times its input (${inputSize}): cheaper to recompute`,
    };
  const extractor = tf.model({ inputs: model.inputs, outputs: feature.output as tf.SymbolicTensor, name: 'frozen_base' });
  const input = tf.input({ shape: (feature.outputShape as (number | null)[]).slice(1) as number[], name: 'frozen_features' });
  const output = rest.reduce<tf.SymbolicTensor>((t, l) => l.apply(t) as tf.SymbolicTensor, input);
  return { featureLayer: feature.name, extractor, head: tf.model({ inputs: input, outputs: output, name: 'learning_head' }) };
}

export interface Features {
  values: tf.Tensor;
  /** Whether an earlier trial or pipeline had computed them. */
  cached: boolean;
}

/**
 * A frozen base's outputs on a dataset, computed once per (base digest, feature layer, dataset digest) and kept as an
 * artifact on the tracking server, so every later trial and pipeline with the same base and data reads them.
 */
export class FeatureCache {
  private experimentId: Promise<string> | undefined;

  constructor(private readonly deps: { mlflow: MlflowClient; artifacts: ArtifactStore }) {}

  static key(o: { baseDigest: string; featureLayer: string; datasetDigest: string }): string {
    return createHash('sha256')
      .update(JSON.stringify([o.baseDigest, o.featureLayer, o.datasetDigest]))
      .digest('hex');
  }

  async features(o: { key: string; label: string; compute: () => Promise<tf.Tensor> }): Promise<Features> {
    const found = await this.find(o.key);
    if (found) return { values: found, cached: true };
    const values = await o.compute();
    await this.put(o.key, o.label, values);
    return { values, cached: false };
  }

  private async find(key: string): Promise<tf.Tensor | undefined> {
    const { mlflow, artifacts } = this.deps;
    const runs = await mlflow.searchRuns({
      experimentIds: [await this.experiment()],
      filter: `tags.\`${KEY_TAG}\` = '${key}' and attributes.status = 'FINISHED'`,
      maxResults: 1,
    });
    const ref = runs[0]?.data.tags.find((t) => t.key === REF_TAG)?.value;
    if (!ref) return undefined;
    const files = await artifacts.get(JSON.parse(ref) as ArtifactRef);
    const shape = JSON.parse(Buffer.from(files.get('shape.json') ?? Buffer.from('[]')).toString()) as number[];
    const bytes = files.get('features.bin') ?? new Uint8Array();
    return tf.tensor(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), shape);
  }

  private async put(key: string, label: string, values: tf.Tensor): Promise<void> {
    const { mlflow, artifacts } = this.deps;
    const run = await mlflow.createRun({ experimentId: await this.experiment(), runName: label, tags: { [KEY_TAG]: key } });
    const data = (await values.data()) as Float32Array;
    const ref = await artifacts.put(`${run.info.artifact_uri}/features`, [
      { name: 'features.bin', bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) },
      { name: 'shape.json', bytes: Buffer.from(JSON.stringify(values.shape)) },
    ]);
    await mlflow.logBatch(run.info.run_id, {
      tags: [
        { key: REF_TAG, value: JSON.stringify(ref) },
        { key: MLFLOW_TAGS.runName, value: label },
      ],
    });
    // Only a finished run is found: a worker lost mid-upload leaves a RUNNING run that nobody reads.
    await mlflow.updateRun({ runId: run.info.run_id, status: 'FINISHED' });
  }

  private experiment(): Promise<string> {
    // Remembered once found; a failure (MLflow unreachable) is not, so the next attempt asks again.
    this.experimentId ??= this.deps.mlflow.getOrCreateExperiment(FEATURES_EXPERIMENT).catch((err: unknown) => {
      this.experimentId = undefined;
      throw err;
    });
    return this.experimentId;
  }
}

/** The part of a feature-extraction model that learns, with the frozen base's outputs on both splits as its inputs. */
export interface HeadOnFeatures {
  head: tf.LayersModel;
  train: tf.Tensor;
  validation: tf.Tensor;
  /** What the run records: where the features came from. */
  note: string;
}

/**
 * For feature extraction without augmentation: the frozen base runs once per dataset (or not at all, when an earlier
 * trial or pipeline cached its outputs) and only the head trains, on those outputs. Undefined, with the reason, when
 * the model does not split so.
 */
export async function headOnFrozenFeatures(o: {
  model: tf.LayersModel;
  cache: FeatureCache;
  baseDigest: string;
  train: { digest: string; name: string; x: tf.Tensor };
  validation: { digest: string; name: string; x: tf.Tensor };
}): Promise<HeadOnFeatures | { reason: string }> {
  const split = splitFrozenBase(o.model);
  if ('reason' in split) return split;
  const of = async (data: typeof o.train) =>
    o.cache.features({
      key: FeatureCache.key({ baseDigest: o.baseDigest, featureLayer: split.featureLayer, datasetDigest: data.digest }),
      label: `features of ${data.name} at ${split.featureLayer}`,
      compute: async () => split.extractor.predict(data.x, { batchSize: 256 }) as tf.Tensor,
    });
  const train = await of(o.train);
  const validation = await of(o.validation).catch((err: unknown) => {
    train.values.dispose();
    throw err;
  });
  const source = train.cached && validation.cached ? 'cached' : 'computed';
  return { head: split.head, train: train.values, validation: validation.values, note: `${source} at ${split.featureLayer}` };
}

import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { CheckpointRef, ErrorType, InputError, type ArtifactRef } from '@anneal/contracts';
import type { ArtifactFile, ArtifactStore } from '@anneal/tracking';
import { layerOrderWeights } from './layer-weights';

/** Early-stopping state that must survive a restart along with the weights. */
export interface BestSoFar {
  epoch: number;
  loss: number;
  accuracy: number;
}

/** What a training attempt leaves in its heartbeats: where to resume from. */
export const TrainingHeartbeat = z.object({ checkpoint: CheckpointRef.optional() }).passthrough();

/** One epoch's logged figures (`loss`, `val_loss`, ...), kept in the checkpoint with the weights they belong to. */
export interface EpochMetrics {
  step: number;
  values: Record<string, number>;
}

export interface Checkpoint {
  epoch: number;
  /** The figures of every epoch up to this one that this run logged (absent in checkpoints before they were kept). */
  epochs?: EpochMetrics[];
  weights: tf.Tensor[];
  optimizer: { name: string; tensor: tf.Tensor }[];
  best?: BestSoFar & { weights: tf.Tensor[] };
}

/** Weights are stored in layer order (names differ between processes; the order does not). */
async function encode(name: string, tensors: tf.Tensor[]): Promise<ArtifactFile[]> {
  const { data, specs } = await tf.io.encodeWeights(tensors.map((tensor, i) => ({ name: String(i), tensor })));
  return [
    { name: `${name}.bin`, bytes: new Uint8Array(data) },
    { name: `${name}.json`, bytes: Buffer.from(JSON.stringify(specs)) },
  ];
}

function decode(files: Map<string, Uint8Array>, name: string): tf.Tensor[] {
  const bin = files.get(`${name}.bin`);
  const specs = files.get(`${name}.json`);
  if (!bin || !specs) throw new InputError(ErrorType.ArtifactIntegrity, `checkpoint has no ${name}`);
  const map = tf.io.decodeWeights(new Uint8Array(bin).buffer, JSON.parse(Buffer.from(specs).toString()) as tf.io.WeightsManifestEntry[]);
  return Object.keys(map)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => map[k] as tf.Tensor);
}

export async function saveCheckpoint(
  store: ArtifactStore,
  options: { uri: string; epoch: number; model: tf.LayersModel; optimizer: tf.Optimizer; best?: BestSoFar & { weights: tf.Tensor[] }; epochs?: EpochMetrics[] },
): Promise<CheckpointRef> {
  const optimizerWeights = await options.optimizer.getWeights();
  const files: ArtifactFile[] = [
    ...(await encode(
      'weights',
      layerOrderWeights(options.model).map((w) => w.read()),
    )),
    { name: 'optimizer-names.json', bytes: Buffer.from(JSON.stringify(optimizerWeights.map((w) => w.name))) },
    ...(await encode(
      'optimizer',
      optimizerWeights.map((w) => w.tensor),
    )),
    {
      name: 'state.json',
      bytes: Buffer.from(
        JSON.stringify({
          epoch: options.epoch,
          best: options.best && { epoch: options.best.epoch, loss: options.best.loss, accuracy: options.best.accuracy },
          epochs: options.epochs,
        }),
      ),
    },
  ];
  if (options.best) files.push(...(await encode('best', options.best.weights)));
  // getWeights makes a fresh scalar of the iteration count on every call; the rest are the optimizer's variables.
  tf.dispose(optimizerWeights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  const ref: ArtifactRef = await store.put(options.uri, files);
  return { ...ref, epoch: options.epoch };
}

export async function loadCheckpoint(store: ArtifactStore, ref: CheckpointRef): Promise<Checkpoint> {
  const files = await store.get(ref);
  const state = JSON.parse(Buffer.from(files.get('state.json') ?? new Uint8Array()).toString()) as { epoch: number; best?: BestSoFar; epochs?: EpochMetrics[] };
  const names = JSON.parse(Buffer.from(files.get('optimizer-names.json') ?? Buffer.from('[]')).toString()) as string[];
  const optimizer = decode(files, 'optimizer').map((tensor, i) => ({ name: names[i] ?? String(i), tensor }));
  return {
    epoch: state.epoch,
    ...(state.epochs ? { epochs: state.epochs } : {}),
    weights: decode(files, 'weights'),
    optimizer,
    best: state.best && { ...state.best, weights: decode(files, 'best') },
  };
}

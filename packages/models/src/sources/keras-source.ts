import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError, type KerasModelSource } from '@anneal/contracts';
import { resolveDataPath } from '@anneal/dataset';
import type { z } from 'zod';
import type { ModelSource } from './model-source';
import { sourceError } from './read-layers-model';

interface H5Model {
  config: string;
  kerasVersion?: string;
  layers: { name: string; weights: { name: string; shape: number[]; values: Float32Array }[] }[];
  sha256: string;
}

/** The worker that reads the HDF5 file (beside `src` and `dist` alike). */
const READER = join(__dirname, '..', '..', 'workers', 'read-keras-h5.mjs');

/**
 * A Keras `.h5` model file (tf.keras / Keras 2: `model_config` and `model_weights`) inside the data roots, read in
 * TypeScript through h5wasm (no Python). Weights are set layer by layer in the file's own order, so old Keras weight
 * names (`batch_normalization_1_1/gamma`) do not matter. What tfjs cannot build is a ModelIncompatibleError naming it.
 */
export const kerasSource: ModelSource<z.output<typeof KerasModelSource>> = {
  label: (c) => `keras:${basename(c.path).replace(/\.h5$/, '')}`,
  pretrained: true,
  async load(c, ctx) {
    const path = await resolveDataPath(c.path, ctx.dataRoots, { errorType: ErrorType.ModelSource });
    if (!/\.(h5|hdf5)$/i.test(path)) throw sourceError(`${c.path}: expected a Keras .h5 file (a Keras 3 .keras archive is not read yet)`);
    const h5 = await readH5(path, c.path);
    const config = JSON.parse(h5.config) as { class_name: string; config: unknown };
    let model: tf.LayersModel;
    try {
      model = await tf.models.modelFromJSON({ modelTopology: { ...config, keras_version: h5.kerasVersion, backend: 'tensorflow' } } as unknown as tf.io.ModelJSON);
    } catch (err) {
      throw new InputError(ErrorType.ModelIncompatible, `${c.path}: tfjs cannot build this Keras model: ${(err as Error).message}`);
    }
    try {
      for (const layer of h5.layers) setLayerWeights(model, layer, c.path);
    } catch (err) {
      model.dispose();
      throw err;
    }
    return { model, sha256: h5.sha256, frozenInSource: model.layers.filter((l) => !l.trainable).length };
  },
};

function setLayerWeights(model: tf.LayersModel, layer: H5Model['layers'][number], shown: string): void {
  if (layer.weights.length === 0) return;
  const target = model.layers.find((l) => l.name === layer.name);
  if (!target) throw new InputError(ErrorType.ModelIncompatible, `${shown}: weights for layer ${layer.name}, which the model config does not have`);
  const expected = target.weights.map((w) => w.shape.join('x'));
  const found = layer.weights.map((w) => w.shape.join('x'));
  if (expected.join(',') !== found.join(',')) {
    throw new InputError(ErrorType.ModelIncompatible, `${shown}: layer ${layer.name} expects weights [${expected.join(', ')}], the file has [${found.join(', ')}] (${layer.weights.map((w) => w.name).join(', ')})`);
  }
  const tensors = layer.weights.map((w) => tf.tensor(w.values, w.shape));
  target.setWeights(tensors);
  tf.dispose(tensors);
}

function readH5(path: string, shown: string): Promise<H5Model> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(READER, { workerData: { path } });
    worker.once('message', (m: H5Model | { error: string }) => {
      void worker.terminate();
      if ('error' in m) reject(sourceError(`${shown}: ${m.error}`));
      else resolve(m);
    });
    worker.once('error', (err) => reject(sourceError(`${shown}: ${err.message}`)));
  });
}

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { ErrorType, InputError, type KerasModelSource } from '@anneal/contracts';
import { resolveDataPath } from '@anneal/dataset';
import type { z } from 'zod';
import { fromKeras3 } from './keras3-config';
import type { ModelSource } from './model-source';
import { sourceError } from './read-layers-model';

interface H5Layer {
  name: string;
  weights: { name: string; shape: number[]; values: Float32Array }[];
}
interface H5Model {
  config?: string;
  kerasVersion?: string;
  layers: H5Layer[];
  sha256: string;
}
type Layout = 'keras2' | 'keras3';

/** The worker that reads the HDF5 file (beside `src` and `dist` alike). */
const READER = join(__dirname, '..', '..', 'workers', 'read-keras-h5.mjs');
const ARCHIVE_FILES = ['config.json', 'metadata.json', 'model.weights.h5'];

/**
 * A Keras model file inside the data roots, read in TypeScript through h5wasm (no Python): a tf.keras / Keras 2 `.h5`
 * (`model_config` and `model_weights`), or a Keras 3 `.keras` archive (`config.json`, mapped to the form tfjs reads,
 * and `model.weights.h5`). Weights are set layer by layer in the file's own order, so old Keras weight names
 * (`batch_normalization_1_1/gamma`) do not matter. What tfjs cannot build is a ModelIncompatibleError naming it.
 */
export const kerasSource: ModelSource<z.output<typeof KerasModelSource>> = {
  label: (c) => `keras:${basename(c.path).replace(/\.(h5|hdf5|keras)$/i, '')}`,
  pretrained: true,
  async load(c, ctx) {
    const path = await resolveDataPath(c.path, ctx.dataRoots, { errorType: ErrorType.ModelSource });
    if (/\.keras$/i.test(path)) return loadArchive(path, c.path);
    if (!/\.(h5|hdf5)$/i.test(path)) throw sourceError(`${c.path}: expected a Keras .h5 file or a Keras 3 .keras archive`);
    const h5 = await readH5(path, c.path, 'keras2');
    const config = JSON.parse(h5.config ?? '{}') as Record<string, unknown>;
    const model = await buildModel(config, { shown: c.path, kerasVersion: h5.kerasVersion });
    return withWeights(model, h5.layers, { shown: c.path, sha256: h5.sha256 });
  },
};

/** A Keras 3 `.keras` archive: a zip of config.json, metadata.json and model.weights.h5. */
async function loadArchive(path: string, shown: string) {
  const bytes = await readFile(path);
  const names: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => (names.push(f.name), ARCHIVE_FILES.includes(f.name)) });
  } catch (err) {
    throw sourceError(`${shown}: not a .keras archive (a zip file): ${(err as Error).message}`);
  }
  for (const needed of ['config.json', 'model.weights.h5']) {
    if (!files[needed]) throw sourceError(`${shown}: the .keras archive has no ${needed} (it holds: ${names.join(', ') || 'nothing'})`);
  }
  const config = parseJson(files['config.json'] as Uint8Array, `${shown}: config.json`);
  const metadata = files['metadata.json'] ? parseJson(files['metadata.json'], `${shown}: metadata.json`) : {};
  const model = await buildModel(fromKeras3(config, shown), {
    shown,
    kerasVersion: typeof metadata.keras_version === 'string' ? metadata.keras_version : undefined,
  });
  // h5wasm opens files by path: the weights go to a private temporary folder for the read.
  const dir = await mkdtemp(join(tmpdir(), 'anneal-keras-'));
  try {
    await writeFile(join(dir, 'model.weights.h5'), files['model.weights.h5'] as Uint8Array);
    const h5 = await readH5(join(dir, 'model.weights.h5'), `${shown}: model.weights.h5`, 'keras3').catch((err: unknown) => {
      model.dispose();
      throw err;
    });
    return withWeights(model, h5.layers, { shown, sha256: createHash('sha256').update(bytes).digest('hex') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function buildModel(config: Record<string, unknown>, o: { shown: string; kerasVersion: string | undefined }): Promise<tf.LayersModel> {
  try {
    return await tf.models.modelFromJSON({ modelTopology: { ...config, keras_version: o.kerasVersion, backend: 'tensorflow' } } as unknown as tf.io.ModelJSON);
  } catch (err) {
    throw new InputError(ErrorType.ModelIncompatible, `${o.shown}: tfjs cannot build this Keras model: ${(err as Error).message}`);
  }
}

function withWeights(model: tf.LayersModel, layers: H5Layer[], o: { shown: string; sha256: string }) {
  try {
    for (const layer of layers) setLayerWeights(model, layer, o.shown);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, sha256: o.sha256, frozenInSource: model.layers.filter((l) => !l.trainable).length };
}

function setLayerWeights(model: tf.LayersModel, layer: H5Layer, shown: string): void {
  if (layer.weights.length === 0) return;
  const target = model.layers.find((l) => l.name === layer.name);
  if (!target) throw new InputError(ErrorType.ModelIncompatible, `${shown}: weights for layer ${layer.name}, which the model config does not have`);
  const expected = target.weights.map((w) => w.shape.join('x'));
  const found = layer.weights.map((w) => w.shape.join('x'));
  if (expected.join(',') !== found.join(',')) {
    throw new InputError(
      ErrorType.ModelIncompatible,
      `${shown}: layer ${layer.name} expects weights [${expected.join(', ')}], the file has [${found.join(', ')}] (${layer.weights.map((w) => w.name).join(', ')})`,
    );
  }
  const tensors = layer.weights.map((w) => tf.tensor(w.values, w.shape));
  target.setWeights(tensors);
  tf.dispose(tensors);
}

function parseJson(bytes: Uint8Array, shown: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw sourceError(`${shown} is not JSON (${(err as Error).message})`);
  }
}

function readH5(path: string, shown: string, layout: Layout): Promise<H5Model> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(READER, { workerData: { path, layout } });
    worker.once('message', (m: H5Model | { error: string }) => {
      void worker.terminate();
      if ('error' in m) reject(sourceError(`${shown}: ${m.error}`));
      else resolve(m);
    });
    worker.once('error', (err) => reject(sourceError(`${shown}: ${err.message}`)));
  });
}

import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError } from '@anneal/contracts';

/** Reads one file of a model by its path relative to model.json's folder. */
export type ModelFileReader = (relativePath: string) => Promise<Uint8Array>;

export interface ReadModel {
  model: tf.LayersModel;
  /** sha256 of model.json followed by its weight files in manifest order: what a url source's `sha256` pins. */
  sha256: string;
  /** Layers the source marked non-trainable. */
  frozenInSource: number;
}

export interface ModelJson {
  format?: string;
  modelTopology?: { model_config?: unknown; class_name?: unknown; node?: unknown; config?: unknown } & Record<string, unknown>;
  signature?: object;
  userDefinedMetadata?: Record<string, unknown>;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** model.json and its weights, read and checked, before tfjs builds anything from them. */
export interface ModelFiles {
  json: ModelJson;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  /** sha256 of model.json followed by its weight files in manifest order. */
  sha256: string;
}

/**
 * A TF.js LayersModel from `model.json` and its weight files, read through `read` (a folder, a URL, MLflow):
 * Anneal's own IO handler, since tfjs-node's `file://` is not there on every backend. Quantized weights are
 * dequantized by tfjs as it decodes them. What is not a LayersModel, or lacks a weight file, is a ModelSourceError.
 */
export async function readLayersModel(read: ModelFileReader, shown: string): Promise<ReadModel> {
  const { json, weightSpecs, weightData, sha256 } = await readModelFiles(read, shown, 'layers-model');
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs, weightData }));
  } catch (err) {
    throw new InputError(ErrorType.ModelIncompatible, `${shown}: tfjs cannot build this model: ${(err as Error).message}`);
  }
  return { model, sha256, frozenInSource: model.layers.filter((l) => !l.trainable).length };
}

/** model.json of the expected format and every weight file it names, whole (a short shard is an error). */
export async function readModelFiles(read: ModelFileReader, shown: string, format: 'layers-model' | 'graph-model'): Promise<ModelFiles> {
  const jsonBytes = await read('model.json');
  const json = parseModelJson(jsonBytes, shown, format);
  const manifest = json.weightsManifest ?? [];
  const hash = createHash('sha256').update(jsonBytes);
  const shards: Uint8Array[] = [];
  for (const path of manifest.flatMap((group) => group.paths)) {
    if (path.includes('..') || path.startsWith('/')) throw sourceError(`${shown}: weight file "${path}" is not beside model.json`);
    const bytes = await read(path);
    hash.update(bytes);
    shards.push(bytes);
  }
  const weightSpecs = manifest.flatMap((group) => group.weights);
  const expected = weightSpecs.reduce((n, spec) => n + specBytes(spec), 0);
  const weightData = concat(shards);
  if (weightData.byteLength !== expected) {
    throw sourceError(`${shown}: the weight files hold ${weightData.byteLength} bytes, model.json describes ${expected} (a shard is truncated or missing)`);
  }
  return { json, weightSpecs, weightData: weightData.buffer as ArrayBuffer, sha256: hash.digest('hex') };
}

function parseModelJson(bytes: Uint8Array, shown: string, format: 'layers-model' | 'graph-model'): ModelJson {
  let json: ModelJson;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8')) as ModelJson;
  } catch (err) {
    throw sourceError(`${shown}: model.json is not JSON (${(err as Error).message})`);
  }
  const topology = json.modelTopology;
  const graph = json.format === 'graph-model' || (topology !== undefined && 'node' in topology);
  if (format === 'graph-model') {
    if (!graph) throw sourceError(`${shown}: model.json is not a TF.js GraphModel (no graph nodes in modelTopology): use kind "file" for a LayersModel`);
    return json;
  }
  if (graph) {
    throw sourceError(`${shown}: a TF.js GraphModel (a frozen graph), which has no layers to fine-tune: use kind "graph" for a frozen feature extractor`);
  }
  if (!topology || !(topology.model_config || topology.class_name)) {
    throw sourceError(`${shown}: model.json has no Keras model topology (modelTopology.model_config): not a TF.js LayersModel`);
  }
  return json;
}

/** Bytes a weight takes in its file: quantized weights are stored in their quantized dtype. */
function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const width = dtype === 'uint8' ? 1 : dtype === 'uint16' || dtype === 'float16' ? 2 : 4;
  return size * width;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export function sourceError(message: string): InputError {
  return new InputError(ErrorType.ModelSource, message);
}

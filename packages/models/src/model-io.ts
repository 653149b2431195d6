import * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError, type ModelRef } from '@anneal/contracts';
import type { ArtifactFile, ArtifactStore } from '@anneal/tracking';
import { loadGraphsOf } from './graph-features';

/** TF.js layers format: `model.json` (topology + weight manifest) and one `weights.bin`. */
export async function serializeModel(model: tf.LayersModel): Promise<ArtifactFile[]> {
  let files: ArtifactFile[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : new Uint8Array();
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      files = [
        { name: 'model.json', bytes: Buffer.from(JSON.stringify(modelJson)) },
        { name: 'weights.bin', bytes: weights },
      ];
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return files;
}

export async function deserializeModel(files: Map<string, Uint8Array>): Promise<tf.LayersModel> {
  const json = files.get('model.json');
  const weights = files.get('weights.bin');
  if (!json || !weights) throw new InputError(ErrorType.ArtifactIntegrity, 'model artifact needs model.json and weights.bin');
  const parsed = JSON.parse(Buffer.from(json).toString('utf8')) as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  // A fresh copy: tfjs checks `instanceof ArrayBuffer`, which fails for buffers made in another realm (fetch, fs under jest).
  const weightData = new Uint8Array(weights).buffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs: parsed.weightsManifest.flatMap((m) => m.weights), weightData }),
  );
}

export async function storeModel(
  store: ArtifactStore,
  options: { uri: string; model: tf.LayersModel; name: string; baseLayers: number; version?: string },
): Promise<ModelRef> {
  const ref = await store.put(options.uri, await serializeModel(options.model));
  const inputShape = (options.model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? 1);
  return { ...ref, name: options.name, inputShape, baseLayers: options.baseLayers, version: options.version };
}

/** A stored model, with the graphs its GraphFeatures layers run loaded first. */
export async function loadModel(store: ArtifactStore, ref: ModelRef): Promise<tf.LayersModel> {
  const files = await store.get(ref);
  await loadGraphsOf(store, files.get('model.json'));
  return deserializeModel(files);
}

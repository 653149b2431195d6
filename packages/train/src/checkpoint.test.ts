import * as tf from '@tensorflow/tfjs';
import type { ArtifactFile, ArtifactStore } from '@anneal/tracking';
import { buildClassifier, resolveBackend } from '@anneal/models';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { copyWeights, restoreWeights } from './layer-weights';

// An in-memory stand-in for the MLflow-backed store (the real one is exercised by the integration tests).
function memoryStore(): ArtifactStore {
  const saved = new Map<string, ArtifactFile[]>();
  return {
    put: async (uri: string, files: ArtifactFile[]) => {
      saved.set(uri, files);
      return { uri, digest: 'a'.repeat(64) };
    },
    get: async (ref: { uri: string }) => new Map((saved.get(ref.uri) ?? []).map((f) => [f.name, f.bytes])),
  } as unknown as ArtifactStore;
}

function net() {
  const model = buildClassifier({ inputShape: [4], architecture: { kind: 'mlp', hiddenUnits: [6], dropout: 0 }, numClasses: 2, seed: 5 });
  const optimizer = tf.train.adam(0.05);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return { model, optimizer };
}

it('restores weights, optimizer state and early-stopping state so training continues exactly', async () => {
  await resolveBackend('wasm');
  const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
  const y = tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: 16 }, (_, i) => i % 2),
        'int32',
      ),
      2,
    )
    .toFloat();
  const fit = (m: tf.LayersModel) => m.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });

  const a = net();
  await fit(a.model);
  const store = memoryStore();
  const bestWeights = copyWeights(a.model);
  const ref = await saveCheckpoint(store, {
    uri: 'mem:/ckpt',
    epoch: 0,
    model: a.model,
    optimizer: a.optimizer,
    best: { epoch: 0, loss: 0.5, accuracy: 0.75, weights: bestWeights },
  });
  expect(ref.epoch).toBe(0);

  // Another process: a fresh model and optimizer, loaded from the checkpoint.
  const b = net();
  const ckpt = await loadCheckpoint(store, ref);
  restoreWeights(b.model, ckpt.weights);
  await b.optimizer.setWeights(ckpt.optimizer);
  expect(ckpt.best).toMatchObject({ epoch: 0, loss: 0.5, accuracy: 0.75 });
  expect(ckpt.best?.weights).toHaveLength(bestWeights.length);

  await fit(a.model);
  await fit(b.model);
  const wa = a.model.getWeights().map((w) => Array.from(w.dataSync()));
  const wb = b.model.getWeights().map((w) => Array.from(w.dataSync()));
  wa.forEach((w, i) => w.forEach((v, j) => expect(wb[i]![j]).toBeCloseTo(v, 5)));

  // Without the optimizer state (Adam's moments and step count) the next step differs: the check above has teeth.
  const c = net();
  restoreWeights(c.model, ckpt.weights);
  await fit(c.model);
  await fit(c.model);
  const wc = c.model.getWeights().map((w) => Array.from(w.dataSync()));
  expect(wc[0]).not.toEqual(wb[0]);
  tf.dispose([x, y, ...bestWeights, ...ckpt.weights, ...ckpt.optimizer.map((o) => o.tensor), ...(ckpt.best?.weights ?? [])]);
});

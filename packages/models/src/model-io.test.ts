import * as tf from '@tensorflow/tfjs';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '@anneal/contracts';
import { buildClassifier } from './build-classifier';
import { deserializeModel, serializeModel } from './model-io';
import { resolveBackend } from './tf-backend';

it('round-trips a model through the TF.js artifact format with identical predictions', async () => {
  await resolveBackend('wasm');
  const model = buildClassifier({ inputShape: [6], architecture: { kind: 'mlp', hiddenUnits: [5, 4], dropout: 0.1 }, numClasses: 3, seed: 2 });
  const files = await serializeModel(model);
  expect(files.map((f) => f.name)).toEqual(['model.json', 'weights.bin']);
  const loaded = await deserializeModel(new Map(files.map((f) => [f.name, f.bytes])));
  expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
  const x = tf.randomNormal([4, 6], 0, 1, 'float32', 3);
  const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
  expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
  tf.dispose([x, a, b]);
  model.dispose();
  loaded.dispose();
});

it('reports which backend runs and refuses an explicit backend that cannot load', async () => {
  const wasm = await resolveBackend('wasm');
  expect(wasm.backend).toBe('wasm');
  expect(wasm.threads).toBeGreaterThan(0);
  // @tensorflow/tfjs-node-gpu is not installed on CPU machines: asking for it is an error, not a quiet fallback.
  const err = await resolveBackend('tensorflow-gpu').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe(ErrorType.BackendUnavailable);
  expect((err as Error).message).toMatch(
    /^TF\.js backend tensorflow-gpu is not available here: tensorflow-gpu: package did not load \((Error: )?Cannot find module '@tensorflow\/tfjs-node-gpu'/,
  );
  expect(tf.getBackend()).toBe('wasm'); // nothing changed
});

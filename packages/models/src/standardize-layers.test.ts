import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from './build-classifier';
import { INPUT_CONTRACT_LAYERS } from './input-contract';
import { deserializeModel, serializeModel } from './model-io';
import { STANDARDIZE_LAYERS } from './standardize-layers';
import { resolveBackend } from './tf-backend';

it('an MLP built with a scaling standardizes raw rows first, in frozen layers tfjs itself loads back', async () => {
  await resolveBackend('wasm');
  const scaling = { mean: [10, -2, 1000], std: [2, 0.5, 250] };
  const model = buildClassifier({ inputShape: [3], architecture: { kind: 'mlp', hiddenUnits: [4], dropout: 0 }, numClasses: 2, seed: 1, scaling });
  expect(model.layers.slice(0, 3).map((l) => l.name)).toEqual([...STANDARDIZE_LAYERS]);
  expect(STANDARDIZE_LAYERS.every((n) => INPUT_CONTRACT_LAYERS.has(n))).toBe(true);
  expect(model.getLayer('table_standardize').trainable).toBe(false);

  const rows = tf.tensor2d([
    [12, -2.5, 500],
    [10, -2, 1000],
  ]);
  const standardized = tf.model({ inputs: model.inputs, outputs: model.getLayer('table_rows').output as tf.SymbolicTensor });
  const seen = (await (standardized.predict(rows) as tf.Tensor).array()) as number[][];
  expect(seen[0]!.map((v) => Number(v.toFixed(5)))).toEqual([1, -1, -2]);
  expect(seen[1]!.map((v) => Number(v.toFixed(5)))).toEqual([0, 0, 0]);

  // tfjs's own loader (no Anneal runtime) reads the saved model and predicts the same from raw rows.
  const files = await serializeModel(model);
  const json = JSON.parse(Buffer.from(files[0]!.bytes).toString()) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const loaded = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: files[1]!.bytes.slice().buffer }),
  );
  const [a, b] = [model.predict(rows) as tf.Tensor, loaded.predict(rows) as tf.Tensor];
  expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
  // And the round trip through Anneal's own format.
  const again = await deserializeModel(new Map(files.map((f) => [f.name, f.bytes])));
  expect(Array.from(await (again.predict(rows) as tf.Tensor).data())).toEqual(Array.from(await a.data()));
  tf.dispose([rows, a, b]);
  [model, loaded, again].forEach((m) => m.dispose());
});

import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from './build-classifier';
import { INPUT_CONTRACT_LAYERS } from './input-contract';
import { deserializeModel, serializeModel } from './model-io';
import { IMPUTE_LAYER, STANDARDIZE_LAYERS } from './standardize-layers';
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

it('fills a gap with its training mean before standardizing: a row with the indicator set reads as the mean', async () => {
  await resolveBackend('wasm');
  // Features: x, x:missing, z. x's training mean is 4; x and z are standardized after the fill.
  const scaling = { mean: [4, 0.25, 0], std: [2, 0.5, 1], impute: [{ value: 0, indicator: 1, fill: 4 }] };
  const model = buildClassifier({ inputShape: [3], architecture: { kind: 'mlp', hiddenUnits: [4], dropout: 0 }, numClasses: 2, seed: 1, scaling });
  expect(model.layers[0]!.name).toBe(IMPUTE_LAYER);
  expect(INPUT_CONTRACT_LAYERS.has(IMPUTE_LAYER)).toBe(true);
  expect(model.getLayer(IMPUTE_LAYER).trainable).toBe(false);
  const rows = tf.tensor2d([
    [0, 1, 5], // x missing
    [6, 0, 5], // x present: unchanged by the fill
  ]);
  const filled = tf.model({ inputs: model.inputs, outputs: model.getLayer(IMPUTE_LAYER).output as tf.SymbolicTensor });
  expect(await (filled.predict(rows) as tf.Tensor).array()).toEqual([
    [4, 1, 5],
    [6, 0, 5],
  ]);
  const standardized = tf.model({ inputs: model.inputs, outputs: model.getLayer('table_rows').output as tf.SymbolicTensor });
  const seen = (await (standardized.predict(rows) as tf.Tensor).array()) as number[][];
  expect(seen.map((r) => r.map((v) => Number(v.toFixed(5))))).toEqual([
    [0, 1.5, 5],
    [1, -0.5, 5],
  ]);
  tf.dispose(rows);
  model.dispose();
});

it('a text architecture embeds token ids, pools them (mean, or conv and max over time) as its base, then dense layers', async () => {
  await resolveBackend('wasm');
  for (const encoder of ['average', 'conv'] as const) {
    const model = buildClassifier({
      inputShape: [8],
      architecture: { kind: 'text', encoder, embeddingDim: 4, filters: 3, kernelSize: 3, hiddenUnits: [5], dropout: 0 },
      numClasses: 2,
      seed: 1,
    });
    const names = model.layers.map((l) => l.name);
    expect(names[0]).toBe('base_embedding');
    expect(names).toEqual(
      encoder === 'conv'
        ? ['base_embedding', 'base_conv', 'base_max_over_time', 'top_dense_1', 'head']
        : ['base_embedding', 'base_mean_over_tokens', 'top_dense_1', 'head'],
    );
    const x = tf.tensor2d([[5, 9, 32767, 0, 0, 0, 0, 0]]);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 2]);
    tf.dispose([x, y]);
    model.dispose();
  }
});

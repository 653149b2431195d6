import * as tf from '@tensorflow/tfjs';
import { TEXT_BUCKETS } from '@anneal/contracts';
import { buildClassifier } from './build-classifier';

const architecture = { kind: 'text' as const, embeddingDim: 8, encoder: 'transformer' as const, filters: 16, kernelSize: 5, hiddenUnits: [4], dropout: 0 };

it('builds a transformer text classifier: token ids in, class probabilities out, the block in the base', () => {
  const model = buildClassifier({ inputShape: [6], architecture, numClasses: 3, seed: 1 });
  const ids = tf.tensor2d([
    [5, 9, 9, 2, 0, 0],
    [TEXT_BUCKETS - 1, 3, 4, 5, 6, 7],
  ]);
  const p = model.predict(ids) as tf.Tensor;
  expect(p.shape).toEqual([2, 3]);
  for (const row of p.arraySync() as number[][]) expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
  const names = model.layers.map((l) => l.name);
  // Feature extraction freezes the embedding and the block (base_); the dense layers and the head learn.
  expect(names.filter((n) => n.startsWith('base_'))).toEqual(
    expect.arrayContaining(['base_embedding', 'base_query', 'base_key', 'base_value', 'base_scores', 'base_attention', 'base_norm_1', 'base_norm_2']),
  );
  expect(names.slice(-2)).toEqual(['top_dense_1', 'head']);
  tf.dispose([ids, p]);
  model.dispose();
});

it('with pre-trained vectors only the embedding is the base; the block starts untrained and learns', () => {
  const embeddings = new Float32Array(TEXT_BUCKETS * 8).fill(0.5);
  const model = buildClassifier({ inputShape: [6], architecture, numClasses: 2, seed: 1, embeddings });
  expect(model.layers.filter((l) => l.name.startsWith('base_')).map((l) => l.name)).toEqual(['base_embedding']);
  const table = model.getLayer('base_embedding').getWeights()[0] as tf.Tensor;
  expect(table.shape).toEqual([TEXT_BUCKETS, 8]);
  expect((table.slice([7, 0], [1, 8]).dataSync() as Float32Array)[3]).toBe(0.5);
  model.dispose();
});

it('masks padding out of attention: no query gives a padding key any weight, and every query sums to one', () => {
  const model = buildClassifier({ inputShape: [6], architecture, numClasses: 2, seed: 1 });
  const attention = tf.model({ inputs: model.inputs, outputs: model.getLayer('base_attention').output as tf.SymbolicTensor });
  const ids = tf.tensor2d([
    [5, 9, 9, 2, 0, 0],
    [7, 0, 0, 0, 0, 0],
  ]);
  const weights = attention.predict(ids) as tf.Tensor;
  const [short, shortest] = weights.arraySync() as number[][][];
  for (const query of short!) {
    expect(query.slice(4).every((w) => w < 1e-6)).toBe(true);
    expect(query.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
  }
  // One token: every query attends to it alone.
  for (const query of shortest!) expect(query[0]).toBeCloseTo(1, 5);
  tf.dispose([ids, weights]);
  model.dispose();
});

it('knows word order: the same tokens in another order give other features before pooling', () => {
  const model = buildClassifier({ inputShape: [6], architecture, numClasses: 2, seed: 1 });
  const block = tf.model({ inputs: model.inputs, outputs: model.getLayer('base_mean_over_tokens').output as tf.SymbolicTensor });
  const pooled = block.predict(
    tf.tensor2d([
      [5, 9, 3, 2, 0, 0],
      [2, 3, 9, 5, 0, 0],
    ]),
  ) as tf.Tensor;
  const [a, b] = pooled.arraySync() as number[][];
  // Without positions, self-attention and the mean are permutation-invariant: both rows would pool alike.
  expect(Math.max(...a!.map((v, i) => Math.abs(v - b![i]!)))).toBeGreaterThan(1e-3);
  pooled.dispose();
  model.dispose();
});

it('is stock tfjs layers only: tf.loadLayersModel loads it from its saved form and predicts the same', async () => {
  const model = buildClassifier({ inputShape: [6], architecture, numClasses: 3, seed: 1 });
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })),
  );
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
  const ids = tf.tensor2d([
    [5, 9, 9, 2, 0, 0],
    [TEXT_BUCKETS - 1, 3, 4, 5, 6, 7],
  ]);
  const [a, b] = [model.predict(ids), loaded.predict(ids)] as tf.Tensor[];
  expect(Array.from(b!.dataSync())).toEqual(Array.from(a!.dataSync()));
  tf.dispose([ids, a!, b!]);
  model.dispose();
  loaded.dispose();
});

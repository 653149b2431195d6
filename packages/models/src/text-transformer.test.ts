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

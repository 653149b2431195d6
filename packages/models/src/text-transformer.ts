import * as tf from '@tensorflow/tfjs';
import type { Architecture } from '@anneal/contracts';
import { BASE_PREFIX, HEAD_NAME, TOP_PREFIX } from './layer-names';
import { startFrom, textEmbedding, topLayers } from './text-base';

type Text = Extract<Architecture, { kind: 'text' }>;

/**
 * A text classifier with one transformer encoder block (Vaswani et al. 2017, post-norm, single head): token ids ->
 * embedding -> self-attention (queries, keys and values by dense layers at every position, scores scaled by
 * 1/sqrt(d), softmax over the keys) + residual -> layer norm -> position-wise feed-forward (`filters` units, ReLU) +
 * residual -> layer norm -> the mean over tokens -> dense layers -> head. The block has no position encoding (word
 * order reaches it only through what attention sees) and padding is not masked, as in the `average` encoder. With
 * pre-trained `embeddings` only the embedding is the base; otherwise the block belongs to it too.
 */
export function textTransformerClassifier(o: {
  inputShape: number[];
  architecture: Text;
  numClasses: number;
  init: (i: number) => ReturnType<typeof tf.initializers.glorotUniform>;
  embeddings?: Float32Array;
}): tf.LayersModel {
  const a = o.architecture;
  const d = a.embeddingDim;
  const prefix = o.embeddings ? TOP_PREFIX : BASE_PREFIX;
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
  const dense = (name: string, units: number, i: number, x: tf.SymbolicTensor, activation?: 'relu') =>
    apply(tf.layers.dense({ name: `${prefix}${name}`, units, kernelInitializer: o.init(i), ...(activation ? { activation } : {}) }), x);
  const input = tf.input({ shape: o.inputShape, name: 'tokens' });
  const embedding = textEmbedding(d);
  const x = apply(embedding, input);
  if (o.embeddings) startFrom(embedding, o.embeddings);
  const queries = apply(tf.layers.rescaling({ name: `${prefix}query_scale`, scale: 1 / Math.sqrt(d) }), dense('query', d, 1, x));
  const scores = apply(tf.layers.dot({ name: `${prefix}scores`, axes: [2, 2] }), [queries, dense('key', d, 2, x)]);
  const attention = apply(tf.layers.softmax({ name: `${prefix}attention`, axis: -1 }), scores);
  const attended = dense('attention_out', d, 4, apply(tf.layers.dot({ name: `${prefix}attended`, axes: [2, 1] }), [attention, dense('value', d, 3, x)]));
  const norm = (name: string, residual: tf.SymbolicTensor[]) =>
    apply(tf.layers.layerNormalization({ name: `${prefix}${name}` }), apply(tf.layers.add({ name: `${prefix}${name}_residual` }), residual));
  const mixed = norm('norm_1', [x, attended]);
  const fed = dense('feed_forward_2', d, 6, dense('feed_forward_1', a.filters, 5, mixed, 'relu'));
  const pooled = apply(tf.layers.globalAveragePooling1d({ name: `${prefix}mean_over_tokens` }), norm('norm_2', [mixed, fed]));
  const out = topLayers(a, o.init).reduce((t, layer) => apply(layer, t), pooled);
  const head = apply(tf.layers.dense({ name: HEAD_NAME, units: o.numClasses, activation: 'softmax', kernelInitializer: o.init(99) }), out);
  return tf.model({ inputs: input, outputs: head, name: 'text' });
}

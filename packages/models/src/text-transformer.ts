import * as tf from '@tensorflow/tfjs';
import type { Architecture } from '@anneal/contracts';
import { BASE_PREFIX, HEAD_NAME, TOP_PREFIX } from './layer-names';
import { startFrom, textEmbedding, topLayers } from './text-base';

type Text = Extract<Architecture, { kind: 'text' }>;

/**
 * A text classifier with one transformer encoder block (Vaswani et al. 2017, post-norm, single head): token ids ->
 * embedding + a convolutional position embedding -> self-attention (queries, keys and values by dense layers at every
 * position, scores scaled by 1/sqrt(d), padding masked out of the keys, softmax over the keys) + residual -> layer
 * norm -> position-wise feed-forward (`filters` units, ReLU) + residual -> layer norm -> the mean over tokens ->
 * dense layers -> head. With pre-trained `embeddings` only the embedding is the base; otherwise the block belongs to
 * it too.
 *
 * Every part is a stock tfjs layer, so `tf.loadLayersModel` loads the stored model with nothing of Anneal's, and the
 * graph engine translates it. Hence the two devices: positions are a linear 1-D convolution (`kernelSize` wide) added
 * to the embedding, as wav2vec 2.0 does with its own (Baevski et al. 2020): relative, with no position-id input or
 * custom layer (with a ReLU, as wav2vec's GELU, it cost 2 points of macro-F1 on SpamAssassin with the mask);
 * the padding mask is computed from the ids themselves: relu(1 - id) is 1 at padding (id 0) and 0 at any token,
 * scaled to -10^4 and added to every query's scores, so softmax gives padding no weight.
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
  const embedded = apply(embedding, input);
  if (o.embeddings) startFrom(embedding, o.embeddings);
  const positions = tf.layers.conv1d({
    name: `${prefix}position_conv`,
    filters: d,
    kernelSize: a.kernelSize,
    padding: 'same',
    kernelInitializer: o.init(7),
  });
  const x = apply(tf.layers.add({ name: `${prefix}with_positions` }), [embedded, apply(positions, embedded)]);
  const queries = apply(tf.layers.rescaling({ name: `${prefix}query_scale`, scale: 1 / Math.sqrt(d) }), dense('query', d, 1, x));
  const raw = apply(tf.layers.dot({ name: `${prefix}raw_scores`, axes: [2, 2] }), [queries, dense('key', d, 2, x)]);
  const scores = apply(tf.layers.add({ name: `${prefix}scores` }), [raw, paddingMask(prefix, input, o.inputShape[0] as number)]);
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

/** -10^4 where a key is padding (id 0), 0 at a token, shaped [batch, 1, tokens] to add to every query's scores. */
function paddingMask(prefix: string, ids: tf.SymbolicTensor, tokens: number): tf.SymbolicTensor {
  const layers = [
    tf.layers.rescaling({ name: `${prefix}one_minus_id`, scale: -1, offset: 1 }),
    tf.layers.reLU({ name: `${prefix}is_padding` }),
    tf.layers.rescaling({ name: `${prefix}padding_bias`, scale: -1e4 }),
    tf.layers.reshape({ name: `${prefix}key_mask`, targetShape: [1, tokens] }),
  ];
  return layers.reduce((t, layer) => layer.apply(t) as tf.SymbolicTensor, ids);
}

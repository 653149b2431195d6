import * as tf from '@tensorflow/tfjs';
import { TEXT_BUCKETS, type Architecture } from '@anneal/contracts';
import { BASE_PREFIX, TOP_PREFIX } from './layer-names';

type Text = Extract<Architecture, { kind: 'text' }>;

/**
 * Token ids in (TEXT_BUCKETS hashed ids, 0 = padding): an embedding, then the mean over the tokens or a 1-D
 * convolution and the max over time (the base, frozen by feature extraction), then dense layers (the top).
 */
export function addTextBase(
  model: tf.Sequential,
  a: Text,
  ctx: {
    inputShape: number[];
    init: (i: number) => ReturnType<typeof tf.initializers.glorotUniform>;
    /**
     * Pre-trained starting values of the embedding (TEXT_BUCKETS x embeddingDim); small random ones without. Then
     * only the embedding is the base (frozen by feature extraction): the encoder after it starts untrained and learns.
     */
    embeddings?: Float32Array;
  },
): void {
  const encoderPrefix = ctx.embeddings ? TOP_PREFIX : BASE_PREFIX;
  const embedding = textEmbedding(a.embeddingDim, { inputShape: ctx.inputShape });
  model.add(embedding);
  if (ctx.embeddings) startFrom(embedding, ctx.embeddings);
  if (a.encoder === 'conv') {
    model.add(
      tf.layers.conv1d({
        name: `${encoderPrefix}conv`,
        filters: a.filters,
        kernelSize: a.kernelSize,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: ctx.init(1),
      }),
    );
    model.add(tf.layers.globalMaxPooling1d({ name: `${encoderPrefix}max_over_time` }));
  } else model.add(tf.layers.globalAveragePooling1d({ name: `${encoderPrefix}mean_over_tokens` }));
  topLayers(a, ctx.init).forEach((layer) => model.add(layer));
}

/** The base's embedding of token ids: small random starting values (seeded), `dim` wide. */
export function textEmbedding(dim: number, o: { inputShape?: number[] } = {}): tf.layers.Layer {
  return tf.layers.embedding({
    name: `${BASE_PREFIX}embedding`,
    inputDim: TEXT_BUCKETS,
    outputDim: dim,
    ...(o.inputShape ? { inputShape: o.inputShape } : {}),
    embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 3 }),
  });
}

/** Gives a built embedding pre-trained starting values (TEXT_BUCKETS rows). */
export function startFrom(embedding: tf.layers.Layer, values: Float32Array): void {
  const weights = tf.tensor2d(values, [TEXT_BUCKETS, values.length / TEXT_BUCKETS]);
  embedding.setWeights([weights]);
  weights.dispose();
}

/** The dense layers after a text encoder (each with its dropout), which learn under every strategy. */
export function topLayers(a: Text, init: (i: number) => ReturnType<typeof tf.initializers.glorotUniform>): tf.layers.Layer[] {
  return a.hiddenUnits.flatMap((units, i) => [
    tf.layers.dense({ name: `${TOP_PREFIX}dense_${i + 1}`, units, activation: 'relu', kernelInitializer: init(20 + i) }),
    ...(a.dropout > 0 ? [tf.layers.dropout({ name: `${TOP_PREFIX}dropout_${i + 1}`, rate: a.dropout })] : []),
  ]);
}

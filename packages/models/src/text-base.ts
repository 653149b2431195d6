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
  const embedding = tf.layers.embedding({
    name: `${BASE_PREFIX}embedding`,
    inputDim: TEXT_BUCKETS,
    outputDim: a.embeddingDim,
    inputShape: ctx.inputShape,
    embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 3 }),
  });
  model.add(embedding);
  if (ctx.embeddings) {
    const weights = tf.tensor2d(ctx.embeddings, [TEXT_BUCKETS, a.embeddingDim]);
    embedding.setWeights([weights]);
    weights.dispose();
  }
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
  a.hiddenUnits.forEach((units, i) => {
    model.add(tf.layers.dense({ name: `${TOP_PREFIX}dense_${i + 1}`, units, activation: 'relu', kernelInitializer: ctx.init(20 + i) }));
    if (a.dropout > 0) model.add(tf.layers.dropout({ name: `${TOP_PREFIX}dropout_${i + 1}`, rate: a.dropout }));
  });
}

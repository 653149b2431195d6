import * as tf from '@tensorflow/tfjs';
import type { Architecture } from '@anneal/contracts';

/** Layers up to this prefix form the reusable base; the layer named `head` is the task-specific classifier. */
export const BASE_PREFIX = 'base_';
export const HEAD_NAME = 'head';

/** A multilayer perceptron classifier: dense ReLU base layers, then a softmax head. */
export function buildMlp(options: { inputShape: number[]; architecture: Architecture; numClasses: number; seed?: number }): tf.Sequential {
  const { architecture } = options;
  const model = tf.sequential({ name: 'mlp' });
  architecture.hiddenUnits.forEach((units, i) => {
    model.add(tf.layers.dense({
      name: `${BASE_PREFIX}dense_${i + 1}`,
      units,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed === undefined ? undefined : options.seed + i }),
      ...(i === 0 ? { inputShape: options.inputShape } : {}),
    }));
    if (architecture.dropout > 0) model.add(tf.layers.dropout({ name: `${BASE_PREFIX}dropout_${i + 1}`, rate: architecture.dropout }));
  });
  model.add(tf.layers.dense({ name: HEAD_NAME, units: options.numClasses, activation: 'softmax' }));
  return model;
}

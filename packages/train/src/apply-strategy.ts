import * as tf from '@tensorflow/tfjs';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, type Strategy } from '@anneal/contracts';
import { BASE_PREFIX, HEAD_NAME } from '@anneal/models';

/**
 * Puts a new, task-sized head on a model's base. `feature-extraction` freezes the feature layers (`base_*`): only
 * the layers above them and the new head learn. `full` lets every layer learn.
 */
export function withNewHead(base: tf.LayersModel, options: { numClasses: number; strategy: Strategy; seed?: number }): tf.LayersModel {
  const names = base.layers.map((l) => l.name);
  if (!names.includes(HEAD_NAME)) {
    throw ApplicationFailure.nonRetryable(
      `model has no layer named "${HEAD_NAME}" to replace; its layers are: ${names.join(', ')}`,
      ErrorType.ModelIncompatible,
    );
  }
  const baseOutput = base.getLayer(HEAD_NAME).input as tf.SymbolicTensor;
  for (const layer of base.layers) layer.trainable = options.strategy === 'full' || !layer.name.startsWith(BASE_PREFIX);
  const head = tf.layers.dense({
    name: HEAD_NAME,
    units: options.numClasses,
    activation: 'softmax',
    kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed }),
  });
  const output = head.apply(baseOutput) as tf.SymbolicTensor;
  return tf.model({ inputs: base.inputs, outputs: output, name: 'fine_tuned' });
}

/** Trainable parameter count, logged so a user sees what the strategy froze. */
export function countTrainable(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** Disposes a fine-tuned model and what is left of the base it was built from (its old head); the shared layers once. */
export function disposeWithBase(model: tf.LayersModel, base: tf.LayersModel): void {
  const shared = new Set(model.layers);
  model.dispose();
  for (const layer of base.layers) if (!shared.has(layer)) layer.dispose();
}

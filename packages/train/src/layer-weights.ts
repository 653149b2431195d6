import type * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError } from '@anneal/contracts';

/**
 * A model's weights in layer order. `model.getWeights()` lists trainable weights first, so its order changes
 * when a two-phase run opens the base; checkpoints and the early-stopping copy use this order instead.
 */
export function layerOrderWeights(model: tf.LayersModel): tf.LayerVariable[] {
  return model.layers.flatMap((layer) => layer.weights);
}

/** Copies of the weights in layer order (the caller disposes them). */
export function copyWeights(model: tf.LayersModel): tf.Tensor[] {
  return layerOrderWeights(model).map((w) => w.read().clone());
}

export function restoreWeights(model: tf.LayersModel, weights: readonly tf.Tensor[]): void {
  const variables = layerOrderWeights(model);
  if (variables.length !== weights.length)
    throw new InputError(ErrorType.ModelIncompatible, `expected ${variables.length} weight tensors, got ${weights.length}`);
  variables.forEach((v, i) => v.write(weights[i] as tf.Tensor));
}

import type { GraphBuilder } from './graph-builder';
import type { Out } from './native';

export interface LayerContext {
  b: GraphBuilder;
  /** The value of a layer's weight, by its role (kernel, bias, gamma, moving_mean, ...); undefined if absent. */
  weight: (role: string) => Out | undefined;
  /** Graph-building for the training step (dropout on, batch statistics) or for inference. */
  training: boolean;
  /** BatchNormalization in training records its moving-average updates here. */
  updates: { handleOf: (role: string) => Out; ops: number[] };
  seed: number;
}

export interface LayerOutput {
  out: Out;
  /** The pre-softmax values, when the layer ends in softmax: the loss is computed from them. */
  logits?: Out;
}

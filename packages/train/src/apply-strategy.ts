import * as tf from '@tensorflow/tfjs';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, type Regularization, type Strategy, type Unfreeze } from '@anneal/contracts';
import { BASE_PREFIX, HEAD_NAME } from '@anneal/models';

/**
 * Puts a new, task-sized head on a model's base. `feature-extraction` freezes the feature layers (`base_*`): only
 * the layers above them and the new head learn. `full` lets every layer learn. `partial` lets the layers that
 * `unfreeze` names (and all above them) learn.
 */
export function withNewHead(
  base: tf.LayersModel,
  options: { numClasses: number; strategy: Strategy; unfreeze?: Unfreeze; regularization?: Regularization; seed?: number },
): tf.LayersModel {
  const names = base.layers.map((l) => l.name);
  if (!names.includes(HEAD_NAME)) {
    throw ApplicationFailure.nonRetryable(
      `model has no layer named "${HEAD_NAME}" to replace; its layers are: ${names.join(', ')}`,
      ErrorType.ModelIncompatible,
    );
  }
  const baseOutput = base.getLayer(HEAD_NAME).input as tf.SymbolicTensor;
  // two-phase starts as feature extraction; setTrainable opens the base when its second phase begins.
  setTrainable(base, { strategy: options.strategy === 'two-phase' ? 'feature-extraction' : options.strategy, unfreeze: options.unfreeze });
  const reg = options.regularization;
  const head = tf.layers.dense({
    name: HEAD_NAME,
    units: options.numClasses,
    activation: 'softmax',
    kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed }),
    ...(reg && reg.l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: reg.l2 }) } : {}),
  });
  const headInput = reg && reg.headDropout > 0
    ? (tf.layers.dropout({ name: unusedName(base, `${HEAD_NAME}_dropout`), rate: reg.headDropout }).apply(baseOutput) as tf.SymbolicTensor)
    : baseOutput;
  const output = head.apply(headInput) as tf.SymbolicTensor;
  return tf.model({ inputs: base.inputs, outputs: output, name: 'fine_tuned' });
}

/** Which of the base's layers learn under `strategy`; the model must be compiled again for a change to apply. */
export function setTrainable(base: tf.LayersModel, options: { strategy: Exclude<Strategy, 'two-phase'>; unfreeze?: Unfreeze }): void {
  const firstTrainable = options.strategy === 'partial' ? firstUnfrozen(base, options.unfreeze) : undefined;
  base.layers.forEach((layer, i) => {
    layer.trainable =
      options.strategy === 'full' ||
      (options.strategy === 'partial' ? i >= (firstTrainable as number) : !layer.name.startsWith(BASE_PREFIX));
  });
}

/** Index of the first layer `partial` lets learn; a name or count the model does not have lists its layers. */
function firstUnfrozen(base: tf.LayersModel, unfreeze: Unfreeze | undefined): number {
  const below = base.layers.slice(0, base.layers.findIndex((l) => l.name === HEAD_NAME));
  const weighted = below.map((l, i) => ({ l, i })).filter(({ l }) => l.weights.length > 0);
  const listing = `its layers below the head are: ${below.map((l) => l.name).join(', ')}`;
  const fail = (message: string) => ApplicationFailure.nonRetryable(`${message}; ${listing}`, ErrorType.ModelIncompatible);
  if (!unfreeze) throw fail('strategy partial needs unfreeze: { topLayers } or { fromLayer }');
  if ('fromLayer' in unfreeze) {
    const index = below.findIndex((l) => l.name === unfreeze.fromLayer);
    if (index < 0) throw fail(`unfreeze.fromLayer: the model has no layer "${unfreeze.fromLayer}"`);
    return index;
  }
  if (unfreeze.topLayers > weighted.length) throw fail(`unfreeze.topLayers: ${unfreeze.topLayers} asked, the model has ${weighted.length} layers with weights below the head`);
  return (weighted[weighted.length - unfreeze.topLayers] as { i: number }).i;
}

/** `name`, or `name_2`, `name_3`...: a base fine-tuned before may already hold a layer of that name. */
function unusedName(model: tf.LayersModel, name: string): string {
  const taken = new Set(model.layers.map((l) => l.name));
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = `${name}_${i}`;
  return candidate;
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

/** Categorical cross-entropy, against targets smoothed towards uniform by `labelSmoothing`. */
export function classificationLoss(labelSmoothing: number): string | ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor) {
  if (labelSmoothing === 0) return 'categoricalCrossentropy';
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const classes = yTrue.shape[yTrue.shape.length - 1] as number;
      return tf.metrics.categoricalCrossentropy(yTrue.mul(1 - labelSmoothing).add(labelSmoothing / classes), yPred);
    });
}

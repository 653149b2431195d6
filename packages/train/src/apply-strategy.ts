import * as tf from '@tensorflow/tfjs';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, type Regularization, type Strategy, type Unfreeze } from '@anneal/contracts';
import { BASE_PREFIX, HEAD_NAME, INPUT_CONTRACT_LAYERS } from '@anneal/models';

/** Which layers learn: the strategy, and for an imported model its base/head cut (`ModelRef.cut`). */
export interface TrainableOptions {
  strategy: Exclude<Strategy, 'two-phase'>;
  unfreeze?: Unfreeze;
  cut?: string;
}

/**
 * Puts a new, task-sized head on a model's base: on the output of the cut layer (pooled when it is spatial) for an
 * imported model, in place of the `head` layer for Anneal's own. `feature-extraction` freezes the base (the layers
 * up to the cut, or Anneal's `base_*` layers): only what is above it and the new head learn. `full` lets every layer
 * learn. `partial` lets the layers that `unfreeze` names (and all above them) learn.
 */
export function withNewHead(
  base: tf.LayersModel,
  options: { numClasses: number; strategy: Strategy; unfreeze?: Unfreeze; cut?: string; regularization?: Regularization; seed?: number },
): tf.LayersModel {
  const baseOutput = options.cut ? pooled(base, options.cut) : oldHeadInput(base);
  // two-phase starts as feature extraction; setTrainable opens the base when its second phase begins.
  setTrainable(base, { strategy: options.strategy === 'two-phase' ? 'feature-extraction' : options.strategy, unfreeze: options.unfreeze, cut: options.cut });
  const reg = options.regularization;
  const head = tf.layers.dense({
    name: HEAD_NAME,
    units: options.numClasses,
    activation: 'softmax',
    kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed }),
    ...(reg && reg.l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: reg.l2 }) } : {}),
  });
  const headInput =
    reg && reg.headDropout > 0
      ? (tf.layers.dropout({ name: unusedName(base, `${HEAD_NAME}_dropout`), rate: reg.headDropout }).apply(baseOutput) as tf.SymbolicTensor)
      : baseOutput;
  const output = head.apply(headInput) as tf.SymbolicTensor;
  return tf.model({ inputs: base.inputs, outputs: output, name: 'fine_tuned' });
}

/** The input of Anneal's `head` layer: where a new head goes on a model Anneal built. */
function oldHeadInput(base: tf.LayersModel): tf.SymbolicTensor {
  const names = base.layers.map((l) => l.name);
  if (!names.includes(HEAD_NAME)) {
    throw ApplicationFailure.nonRetryable(
      `model has no layer named "${HEAD_NAME}" to replace and no cut; its layers are: ${names.join(', ')}`,
      ErrorType.ModelIncompatible,
    );
  }
  return base.getLayer(HEAD_NAME).input as tf.SymbolicTensor;
}

/** The cut layer's output, global-average-pooled when spatial (images) and flattened when it has other extra axes. */
function pooled(base: tf.LayersModel, cut: string): tf.SymbolicTensor {
  const cutLayer = base.getLayer(cut);
  // A model cut at its output (an adapted import) may share that layer with the model it came from: take this one's.
  const atOutput = base.outputLayers.indexOf(cutLayer);
  const out = (atOutput >= 0 ? base.outputs[atOutput] : cutLayer.output) as tf.SymbolicTensor;
  if (out.shape.length === 2) return out;
  const layer =
    out.shape.length === 4
      ? tf.layers.globalAveragePooling2d({ name: unusedName(base, `${HEAD_NAME}_pool`) })
      : tf.layers.flatten({ name: unusedName(base, `${HEAD_NAME}_flatten`) });
  return layer.apply(out) as tf.SymbolicTensor;
}

/** Which of the base's layers learn under `strategy`; the model must be compiled again for a change to apply. */
export function setTrainable(base: tf.LayersModel, options: TrainableOptions): void {
  const cutIndex = options.cut === undefined ? -1 : base.layers.findIndex((l) => l.name === options.cut);
  const firstTrainable = options.strategy === 'partial' ? firstUnfrozen(base, options) : undefined;
  base.layers.forEach((layer, i) => {
    const inBase = options.cut === undefined ? layer.name.startsWith(BASE_PREFIX) : i <= cutIndex;
    // The input contract's layers (a frozen standardization) are the data's, not the model's: they never learn.
    const learns = options.strategy === 'full' || (options.strategy === 'partial' ? i >= (firstTrainable as number) : !inBase);
    layer.trainable = learns && !INPUT_CONTRACT_LAYERS.has(layer.name);
  });
}

/** Index of the first layer `partial` lets learn; a name or count the model does not have lists its layers. */
function firstUnfrozen(base: tf.LayersModel, options: TrainableOptions): number {
  const { unfreeze } = options;
  const end = options.cut === undefined ? base.layers.findIndex((l) => l.name === HEAD_NAME) : base.layers.findIndex((l) => l.name === options.cut) + 1;
  const below = base.layers.slice(0, end);
  const weighted = below.map((l, i) => ({ l, i })).filter(({ l }) => l.weights.length > 0);
  const listing = `its layers below the head are: ${below.map((l) => l.name).join(', ')}`;
  const fail = (message: string) => ApplicationFailure.nonRetryable(`${message}; ${listing}`, ErrorType.ModelIncompatible);
  if (!unfreeze) throw fail('strategy partial needs unfreeze: { topLayers } or { fromLayer }');
  if ('fromLayer' in unfreeze) {
    const index = below.findIndex((l) => l.name === unfreeze.fromLayer);
    if (index < 0) throw fail(`unfreeze.fromLayer: the model has no layer "${unfreeze.fromLayer}"`);
    return index;
  }
  if (unfreeze.topLayers > weighted.length)
    throw fail(`unfreeze.topLayers: ${unfreeze.topLayers} asked, the model has ${weighted.length} layers with weights below the head`);
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

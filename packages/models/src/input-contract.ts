import * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError, type InputContract } from '@anneal/contracts';
import { IMPUTE_LAYER, STANDARDIZE_LAYERS, frozenStandardize } from './standardize-layers';

export interface AdaptedModel {
  model: tf.LayersModel;
  /** What the input layers do, for the run's params (`rows [784] -> 28x28x1 -> x3 upsampled -> RGB`). */
  contract: string;
}

/**
 * Puts the input contract inside an imported image model: the task's rows (flat, as datasets store them) are reshaped
 * to images, upsampled by a whole factor towards the model's input size (the model, convolutional up to its cut, is
 * rebuilt at that size with the same weights), grey turned to RGB, and rescaled to the range the model was trained on.
 * Being layers of the model, they act the same in training, evaluation and the registered model, which takes raw
 * rows. A model that already takes the rows as they are is returned unchanged.
 */
export function adaptInput(
  model: tf.LayersModel,
  o: { cut: string | undefined; rows: number[]; image?: number[]; contract: InputContract },
): AdaptedModel | undefined {
  const wanted = (model.inputs[0]?.shape ?? []).slice(1);
  if (wanted.length !== 3) return undefined; // a vector model: the rows go in as they are (checked by the caller)
  const [H, , C] = wanted as [number | null, number | null, number];
  const image = imageOf(o.rows, o.image);
  const [h, w, c] = image;
  const factor = o.contract.size ? Math.max(1, Math.round(o.contract.size / h)) : H ? Math.max(1, Math.round(H / h)) : 1;
  if (c !== C && !(c === 1 && C === 3)) {
    throw new InputError(
      ErrorType.ModelIncompatible,
      `the model takes ${C}-channel images, the dataset has ${c} channel(s): read the images with image.channels ${C}`,
    );
  }
  const unchanged = o.rows.join('x') === wanted.join('x') && factor === 1 && o.contract.range === 'unit' && !o.contract.normalize;
  if (unchanged) return undefined;

  const steps: string[] = [`rows [${o.rows.join(', ')}]`];
  const input = tf.input({ shape: o.rows, name: 'rows' });
  let x: tf.SymbolicTensor = input;
  if (o.rows.length !== 3) {
    x = tf.layers.reshape({ targetShape: image, name: 'rows_as_image' }).apply(x) as tf.SymbolicTensor;
    steps.push(`${h}x${w}x${c}`);
  }
  if (factor > 1) {
    x = tf.layers.upSampling2d({ size: [factor, factor], interpolation: 'bilinear', name: 'input_upsample' }).apply(x) as tf.SymbolicTensor;
    steps.push(`x${factor} upsampled to ${h * factor}x${w * factor}`);
  }
  if (c === 1 && C === 3) {
    x = tf.layers.concatenate({ axis: -1, name: 'grey_as_rgb' }).apply([x, x, x]) as tf.SymbolicTensor;
    steps.push('grey as RGB');
  }
  if (o.contract.range === 'symmetric') {
    x = tf.layers.rescaling({ scale: 2, offset: -1, name: 'input_rescale' }).apply(x) as tf.SymbolicTensor;
    steps.push('[0,1] to [-1,1]');
  }
  if (o.contract.normalize) {
    x = normalizeLayer(o.contract.normalize, C).apply(x) as tf.SymbolicTensor;
    steps.push(`(x - [${o.contract.normalize.mean.join(', ')}]) / [${o.contract.normalize.std.join(', ')}]`);
  }
  const output = reapply(model, { input: x, until: o.cut });
  return { model: tf.model({ inputs: input, outputs: output, name: model.name }), contract: steps.join(' -> ') };
}

/** Names of the layers that put the contract into a model: they never train, whatever the strategy. */
export const INPUT_CONTRACT_LAYERS: ReadonlySet<string> = new Set([
  'rows_as_image',
  'input_upsample',
  'grey_as_rgb',
  'input_rescale',
  'input_normalize',
  IMPUTE_LAYER,
  ...STANDARDIZE_LAYERS,
]);

/** `input.normalize`: the given mean and std, one value for every channel or one per channel. */
function normalizeLayer(n: { mean: number[]; std: number[] }, channels: number): tf.layers.Layer {
  const per = (values: number[], name: string) => {
    if (values.length !== 1 && values.length !== channels)
      throw new InputError(ErrorType.InvalidSpec, `input.normalize.${name}: expected 1 or ${channels} values (one per channel), found ${values.length}`);
    return Array.from({ length: channels }, (_, i) => values[values.length === 1 ? 0 : i] as number);
  };
  const [mean, std] = [per(n.mean, 'mean'), per(n.std, 'std')];
  return frozenStandardize('input_normalize', mean, std);
}

/** [h, w, c] of the rows: the dataset's image size, or a square of one or three channels. */
function imageOf(rows: number[], image: number[] | undefined): [number, number, number] {
  if (rows.length === 3) return rows as [number, number, number];
  if (image?.length === 3) return image as [number, number, number];
  const n = rows.reduce((a, b) => a * b, 1);
  for (const channels of [1, 3]) {
    const side = Math.round(Math.sqrt(n / channels));
    if (side * side * channels === n) return [side, side, channels];
  }
  throw new InputError(
    ErrorType.ModelIncompatible,
    `the model takes images, and rows of ${n} values are not a square image: give the dataset's image size (dataset.image)`,
  );
}

/**
 * The model's layers up to `until` (its output when absent), applied again to `input`: the same layers and weights
 * on a new input, so a convolutional base runs at another size.
 */
function reapply(model: tf.LayersModel, o: { input: tf.SymbolicTensor; until: string | undefined }): tf.SymbolicTensor {
  const last = o.until ? model.getLayer(o.until) : model.layers[model.layers.length - 1];
  const needed = ancestors(last as tf.layers.Layer);
  const mapped = new Map<number, tf.SymbolicTensor>([[(model.inputs[0] as tf.SymbolicTensor).id, o.input]]);
  let out = o.input;
  for (const layer of model.layers) {
    if (!needed.has(layer) || layer.getClassName() === 'InputLayer') continue;
    const node = layer.inboundNodes[0];
    if (!node) continue;
    const inputs = node.inputTensors.map((t) => mapped.get(t.id) as tf.SymbolicTensor);
    try {
      out = layer.apply(inputs.length === 1 ? (inputs[0] as tf.SymbolicTensor) : inputs) as tf.SymbolicTensor;
    } catch (err) {
      throw new InputError(
        ErrorType.ModelIncompatible,
        `layer ${layer.name} does not take the adapted input (${o.input.shape.slice(1).join('x')}): ${(err as Error).message}; cut the model lower (cutAt) or change input.size`,
      );
    }
    mapped.set((node.outputTensors[0] as tf.SymbolicTensor).id, out);
  }
  return out;
}

function ancestors(layer: tf.layers.Layer): Set<tf.layers.Layer> {
  const seen = new Set<tf.layers.Layer>();
  const stack = [layer];
  while (stack.length > 0) {
    const l = stack.pop() as tf.layers.Layer;
    if (seen.has(l)) continue;
    seen.add(l);
    stack.push(...(l.inboundNodes[0]?.inboundLayers ?? []));
  }
  return seen;
}

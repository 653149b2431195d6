import * as tf from '@tensorflow/tfjs';
import type { FeatureScaling } from '@anneal/contracts';

/** The frozen layers that standardize a table's rows inside the model (they never train, whatever the strategy). */
export const STANDARDIZE_LAYERS = ['table_as_pixel', 'table_standardize', 'table_rows'] as const;
/** The frozen layer that fills a table's missing numbers with their training means, in front of the standardization. */
export const IMPUTE_LAYER = 'table_impute';
/** A d x d fill matrix beyond this many features costs more than it is worth: such tables keep 0 for a gap. */
const MAX_IMPUTED_FEATURES = 1024;

/**
 * Per-feature (x - mean) / std in front of a model, as layers tfjs's own `loadLayersModel` and the graph engine both
 * know (tfjs has no Normalization layer): the row as one pixel of d channels, a frozen 1x1 depthwise convolution with
 * scale 1/std and bias -mean/std, and the row again. The registered model then takes raw rows.
 */
export function addStandardize(model: tf.Sequential, o: { inputShape: number[]; scaling: FeatureScaling }): void {
  const d = o.inputShape.reduce((a, b) => a * b, 1);
  if (o.scaling.mean.length !== d || o.scaling.std.length !== d) throw new Error(`scaling for ${o.scaling.mean.length} features, the rows have ${d}`);
  const [asPixel, standardize, rows] = STANDARDIZE_LAYERS;
  const impute = o.scaling.impute ?? [];
  if (impute.length > 0 && d <= MAX_IMPUTED_FEATURES) model.add(imputeLayer(d, impute, o.inputShape));
  model.add(tf.layers.reshape({ name: asPixel, targetShape: [1, 1, d], ...(model.layers.length === 0 ? { inputShape: o.inputShape } : {}) }));
  model.add(frozenStandardize(standardize, o.scaling.mean, o.scaling.std));
  model.add(tf.layers.reshape({ name: rows, targetShape: o.inputShape }));
}

/**
 * Mean imputation as a frozen dense layer without bias: the identity, plus each missing indicator's row adding its
 * value's training mean (a gap reads 0 with indicator 1, so it becomes the mean; a present value is unchanged).
 */
function imputeLayer(d: number, impute: NonNullable<FeatureScaling['impute']>, inputShape: number[]): tf.layers.Layer {
  const kernel = new Float32Array(d * d);
  for (let i = 0; i < d; i++) kernel[i * d + i] = 1;
  for (const { value, indicator, fill } of impute) kernel[indicator * d + value] = fill;
  return tf.layers.dense({ name: IMPUTE_LAYER, units: d, useBias: false, trainable: false, inputShape, weights: [tf.tensor2d(kernel, [d, d])] });
}

/**
 * Per-channel `(x - mean) / std` as a frozen 1x1 depthwise convolution (scale 1/std, bias -mean/std): a layer tfjs's
 * own loader and the graph engine both know, where tfjs has no Normalization layer.
 */
export function frozenStandardize(name: string, mean: readonly number[], std: readonly number[]): tf.layers.Layer {
  return tf.layers.depthwiseConv2d({
    name,
    kernelSize: 1,
    depthMultiplier: 1,
    useBias: true,
    trainable: false,
    weights: [
      tf.tensor4d(
        std.map((s) => 1 / s),
        [1, 1, std.length, 1],
      ),
      tf.tensor1d(mean.map((m, i) => -m / (std[i] as number))),
    ],
  });
}

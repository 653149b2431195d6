import * as tf from '@tensorflow/tfjs';
import type { FeatureScaling } from '@anneal/contracts';

/** The frozen layers that standardize a table's rows inside the model (they never train, whatever the strategy). */
export const STANDARDIZE_LAYERS = ['table_as_pixel', 'table_standardize', 'table_rows'] as const;

/**
 * Per-feature (x - mean) / std in front of a model, as layers tfjs's own `loadLayersModel` and the graph engine both
 * know (tfjs has no Normalization layer): the row as one pixel of d channels, a frozen 1x1 depthwise convolution with
 * scale 1/std and bias -mean/std, and the row again. The registered model then takes raw rows.
 */
export function addStandardize(model: tf.Sequential, o: { inputShape: number[]; scaling: FeatureScaling }): void {
  const d = o.inputShape.reduce((a, b) => a * b, 1);
  if (o.scaling.mean.length !== d || o.scaling.std.length !== d) throw new Error(`scaling for ${o.scaling.mean.length} features, the rows have ${d}`);
  const [asPixel, standardize, rows] = STANDARDIZE_LAYERS;
  model.add(tf.layers.reshape({ name: asPixel, targetShape: [1, 1, d], inputShape: o.inputShape }));
  model.add(
    tf.layers.depthwiseConv2d({
      name: standardize,
      kernelSize: 1,
      depthMultiplier: 1,
      useBias: true,
      trainable: false,
      weights: [
        tf.tensor4d(
          o.scaling.std.map((s) => 1 / s),
          [1, 1, d, 1],
        ),
        tf.tensor1d(o.scaling.mean.map((m, i) => -m / (o.scaling.std[i] as number))),
      ],
    }),
  );
  model.add(tf.layers.reshape({ name: rows, targetShape: o.inputShape }));
}

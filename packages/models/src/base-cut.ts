import type * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError } from '@anneal/contracts';
import { HEAD_NAME } from './build-classifier';

/**
 * Where a new head goes on an imported model: the layer named `cutAt`, or by default the layer that feeds the
 * model's last layer (its old classifier). Anneal's own models (with a `head` layer) need no cut.
 */
export function chooseCut(model: tf.LayersModel, cutAt: string | undefined): string | undefined {
  const names = model.layers.map((l) => l.name);
  if (cutAt !== undefined) {
    if (!names.includes(cutAt))
      throw new InputError(ErrorType.ModelIncompatible, `cutAt: the model has no layer "${cutAt}"; its layers are: ${names.join(', ')}`);
    return cutAt;
  }
  if (names.includes(HEAD_NAME)) return undefined;
  const last = model.layers[model.layers.length - 1];
  const feeding = last?.inboundNodes[0]?.inboundLayers[0];
  if (!last || !feeding || feeding.name === model.layers[0]?.name) {
    throw new InputError(ErrorType.ModelIncompatible, `the model has no layer before its output to put a new head on; its layers are: ${names.join(', ')}`);
  }
  return feeding.name;
}

import * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError, type Architecture, type FeatureScaling } from '@anneal/contracts';
import { addStandardize } from './standardize-layers';

import { BASE_PREFIX, HEAD_NAME, TOP_PREFIX } from './layer-names';
import { addTextBase } from './text-base';
import { textTransformerClassifier } from './text-transformer';

export { BASE_PREFIX, HEAD_NAME, TOP_PREFIX };

type Mlp = Extract<Architecture, { kind: 'mlp' }>;
type Cnn = Extract<Architecture, { kind: 'cnn' }>;

export interface BuildOptions {
  inputShape: number[];
  architecture: Architecture;
  numClasses: number;
  seed?: number;
  /** A table's standardization (fitted on its training split); an MLP puts it in front as frozen layers. */
  scaling?: FeatureScaling;
  /** A text model's pre-trained embedding (TEXT_BUCKETS x embeddingDim). */
  embeddings?: Float32Array;
}

/** A classifier of the given architecture: base layers, then a softmax head. */
export function buildClassifier(options: BuildOptions): tf.LayersModel {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: options.seed === undefined ? undefined : options.seed + i });
  const { architecture, embeddings } = options;
  // A transformer block branches (residuals, queries and keys): a functional model, not a sequence of layers.
  if (architecture.kind === 'text' && architecture.encoder === 'transformer')
    return textTransformerClassifier({ ...options, architecture, init, ...(embeddings ? { embeddings } : {}) });
  const model = tf.sequential({ name: options.architecture.kind });
  if (options.architecture.kind === 'mlp') {
    if (options.scaling) addStandardize(model, { inputShape: options.inputShape, scaling: options.scaling });
    addMlpBase(model, options.architecture, { inputShape: options.inputShape, init });
  } else if (options.architecture.kind === 'text') {
    addTextBase(model, options.architecture, { inputShape: options.inputShape, init, ...(embeddings ? { embeddings } : {}) });
  } else addCnnBase(model, options.architecture, { inputShape: options.inputShape, init });
  model.add(tf.layers.dense({ name: HEAD_NAME, units: options.numClasses, activation: 'softmax', kernelInitializer: init(99) }));
  return model;
}

type Ctx = { inputShape: number[]; init: (i: number) => ReturnType<typeof tf.initializers.glorotUniform> };

function addMlpBase(model: tf.Sequential, a: Mlp, ctx: Ctx): void {
  a.hiddenUnits.forEach((units, i) => {
    const first = i === 0 && model.layers.length === 0;
    model.add(
      tf.layers.dense({
        name: `${BASE_PREFIX}dense_${i + 1}`,
        units,
        activation: 'relu',
        kernelInitializer: ctx.init(i),
        ...(first ? { inputShape: ctx.inputShape } : {}),
      }),
    );
    if (a.dropout > 0) model.add(tf.layers.dropout({ name: `${BASE_PREFIX}dropout_${i + 1}`, rate: a.dropout }));
  });
}

function addCnnBase(model: tf.Sequential, a: Cnn, ctx: Ctx): void {
  const size = ctx.inputShape.reduce((x, y) => x * y, 1);
  if (size !== a.imageShape.reduce((x, y) => x * y, 1))
    throw new InputError(ErrorType.InvalidSpec, `architecture.imageShape [${a.imageShape.join(', ')}] does not hold the ${size} features of the input`);
  model.add(tf.layers.reshape({ name: `${BASE_PREFIX}image`, targetShape: a.imageShape, inputShape: ctx.inputShape }));
  a.filters.forEach((filters, i) => {
    model.add(
      tf.layers.conv2d({ name: `${BASE_PREFIX}conv_${i + 1}`, filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: ctx.init(i) }),
    );
    model.add(tf.layers.maxPooling2d({ name: `${BASE_PREFIX}pool_${i + 1}`, poolSize: 2 }));
  });
  model.add(tf.layers.flatten({ name: `${BASE_PREFIX}flatten` }));
  model.add(tf.layers.dense({ name: `${TOP_PREFIX}dense`, units: a.denseUnits, activation: 'relu', kernelInitializer: ctx.init(50) }));
  if (a.dropout > 0) model.add(tf.layers.dropout({ name: `${TOP_PREFIX}dropout`, rate: a.dropout }));
}

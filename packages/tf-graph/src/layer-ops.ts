import type * as tf from '@tensorflow/tfjs';
import { attr, type GraphBuilder } from './graph-builder';
import { DType, type Out } from './native';
import type { LayerContext, LayerOutput } from './layer-context';
import { ATTENTION_LAYERS, attentionOps, attentionUnsupported } from './attention-ops';
import { SEQUENCE_LAYERS, sequenceOps, sequenceUnsupported } from './sequence-ops';

export type { LayerContext, LayerOutput };

/** A model this engine cannot express as a graph; the caller trains it eagerly instead. */
export class GraphUnsupportedError extends Error {
  override name = 'GraphUnsupportedError';
}

type Config = Record<string, unknown>;

const SUPPORTED = [
  'InputLayer',
  'Dense',
  'Conv2D',
  'DepthwiseConv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'Flatten',
  'Reshape',
  'Dropout',
  'BatchNormalization',
  'ReLU',
  'Activation',
  'Add',
  'ZeroPadding2D',
  'Concatenate',
  'Rescaling',
  'UpSampling2D',
  'SeparableConv2D',
  ...SEQUENCE_LAYERS,
  ...ATTENTION_LAYERS,
];

/** Why `layer` cannot be translated, or undefined when it can. */
export function unsupportedReason(layer: tf.layers.Layer): string | undefined {
  const kind = layer.getClassName();
  if (!SUPPORTED.includes(kind)) return `layer ${layer.name} (${kind}) has no graph translation`;
  const c = layer.getConfig() as Config;
  for (const key of [
    'kernelConstraint',
    'biasConstraint',
    'depthwiseConstraint',
    'pointwiseConstraint',
    'gammaConstraint',
    'betaConstraint',
    'activityRegularizer',
  ]) {
    if (c[key]) return `layer ${layer.name}: ${key} is not supported by the graph engine`;
  }
  if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') return `layer ${layer.name}: dataFormat ${String(c.dataFormat)}`;
  if (Array.isArray(c.dilationRate) && c.dilationRate.some((d) => d !== 1)) return `layer ${layer.name}: dilation`;
  if (c.activation !== undefined && !(String(c.activation) in ACTIVATIONS)) return `layer ${layer.name}: activation ${String(c.activation)}`;
  if (kind === 'Dropout' && c.noiseShape) return `layer ${layer.name}: noiseShape`;
  if (kind === 'BatchNormalization' && c.axis !== -1 && c.axis !== 3) return `layer ${layer.name}: axis ${String(c.axis)}`;
  if (kind === 'ReLU' && c.maxValue !== null && c.maxValue !== undefined && c.maxValue !== 6) return `layer ${layer.name}: maxValue ${String(c.maxValue)}`;
  if (kind === 'UpSampling2D' && !['bilinear', 'nearest'].includes(String(c.interpolation ?? 'nearest')))
    return `layer ${layer.name}: interpolation ${String(c.interpolation)}`;
  return sequenceUnsupported(layer, c) ?? attentionUnsupported(layer, c);
}

const ACTIVATIONS: Record<string, ((b: GraphBuilder, x: Out) => Out) | null> = {
  linear: (_b, x) => x,
  relu: (b, x) => b.unary('Relu', x),
  relu6: (b, x) => b.unary('Relu6', x),
  sigmoid: (b, x) => b.unary('Sigmoid', x),
  tanh: (b, x) => b.unary('Tanh', x),
  elu: (b, x) => b.unary('Elu', x),
  selu: (b, x) => b.unary('Selu', x),
  softplus: (b, x) => b.unary('Softplus', x),
  softsign: (b, x) => b.unary('Softsign', x),
  swish: (b, x) => b.binary('Mul', x, b.unary('Sigmoid', x)),
  mish: (b, x) => b.binary('Mul', x, b.unary('Tanh', b.unary('Softplus', x))),
  // tfjs's hard sigmoid: clip(0.2 x + 0.5, 0, 1), as min(relu(.), 1).
  hardSigmoid: (b, x) => b.binary('Minimum', b.unary('Relu', b.binary('AddV2', b.binary('Mul', x, b.scalar(0.2)), b.scalar(0.5))), b.scalar(1)),
  softmax: null, // kept apart: the loss wants the logits
};

function activate(b: GraphBuilder, name: unknown, x: Out): LayerOutput {
  const key = String(name ?? 'linear');
  const fn = ACTIVATIONS[key];
  if (fn === null) return { out: b.unary('Softmax', x), logits: x };
  if (!fn) throw new GraphUnsupportedError(`activation ${key}`);
  return { out: fn(b, x) };
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);
const padding = (v: unknown) => attr.string(String(v ?? 'valid').toUpperCase());
const withBias = (ctx: LayerContext, x: Out) => {
  const bias = ctx.weight('bias');
  return bias ? ctx.b.binary('BiasAdd', x, bias) : x;
};

/** The ops of one layer applied to `inputs`. */
export function layerOps(layer: tf.layers.Layer, inputs: readonly Out[], ctx: LayerContext): LayerOutput {
  const { b } = ctx;
  const c = layer.getConfig() as Config;
  const x = inputs[0] as Out;
  const kernel = () => {
    const k = ctx.weight(layer.getClassName() === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel');
    if (!k) throw new GraphUnsupportedError(`layer ${layer.name} has no kernel`);
    return k;
  };
  switch (layer.getClassName()) {
    case 'Dense': {
      const dims = b.shape(x) ?? [];
      if (dims.length === 2) return activate(b, c.activation, withBias(ctx, b.binary('MatMul', x, kernel())));
      // Over a sequence (rank 3), the same dense layer at every position: one matrix product over all of them.
      if (dims.length !== 3) throw new GraphUnsupportedError(`layer ${layer.name}: Dense on a rank-${dims.length} input`);
      const flat = b.binary('MatMul', b.reshape(x, [-1, dims[2] as number]), kernel());
      return activate(b, c.activation, b.reshape(withBias(ctx, flat), [-1, dims[1] as number, Number(c.units)]));
    }
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const [sh, sw] = pair(c.strides);
      const type = layer.getClassName() === 'Conv2D' ? 'Conv2D' : 'DepthwiseConv2dNative';
      const conv = b.out(type, [x, kernel()], { T: attr.type(DType.float), strides: attr.ints([1, sh, sw, 1]), padding: padding(c.padding) });
      return activate(b, c.activation, withBias(ctx, conv));
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const [kh, kw] = pair(c.poolSize);
      const [sh, sw] = c.strides ? pair(c.strides) : [kh, kw];
      const type = layer.getClassName() === 'MaxPooling2D' ? 'MaxPool' : 'AvgPool';
      return {
        out: b.out(type, [x], { T: attr.type(DType.float), ksize: attr.ints([1, kh, kw, 1]), strides: attr.ints([1, sh, sw, 1]), padding: padding(c.padding) }),
      };
    }
    case 'GlobalAveragePooling2D':
      return { out: b.reduce('Mean', x, [1, 2]) };
    case 'Flatten': {
      const dims = (b.shape(x) ?? []).slice(1);
      if (dims.some((d) => d < 0)) throw new GraphUnsupportedError(`layer ${layer.name}: Flatten of an unknown shape`);
      return { out: b.reshape(x, [-1, dims.reduce((p, d) => p * d, 1)]) };
    }
    case 'Reshape':
      return { out: b.reshape(x, [-1, ...(c.targetShape as number[])]) };
    case 'Dropout':
      return { out: ctx.training && Number(c.rate) > 0 ? dropout(ctx, x, Number(c.rate)) : x };
    case 'BatchNormalization':
      return { out: batchNorm(layer, x, c, ctx) };
    case 'ReLU':
      return { out: b.unary(c.maxValue === 6 ? 'Relu6' : 'Relu', x) };
    case 'Activation':
      return activate(b, c.activation, x);
    case 'Add':
      return { out: inputs.slice(1).reduce((sum, y) => b.binary('AddV2', sum, y), x) };
    case 'SeparableConv2D': {
      // A depthwise convolution, then a 1x1 convolution across channels (Keras' definition).
      const [sh, sw] = pair(c.strides);
      const depthwise = ctx.weight('depthwise_kernel');
      const pointwise = ctx.weight('pointwise_kernel');
      if (!depthwise || !pointwise) throw new GraphUnsupportedError(`layer ${layer.name} has no depthwise or pointwise kernel`);
      const T = { T: attr.type(DType.float) };
      const spatial = b.out('DepthwiseConv2dNative', [x, depthwise], { ...T, strides: attr.ints([1, sh, sw, 1]), padding: padding(c.padding) });
      const mixed = b.out('Conv2D', [spatial, pointwise], { ...T, strides: attr.ints([1, 1, 1, 1]), padding: attr.string('VALID') });
      return activate(b, c.activation, withBias(ctx, mixed));
    }
    case 'Concatenate':
      return {
        out: b.out('ConcatV2', [inputs, b.constant(Int32Array.of(Number(c.axis ?? -1)), [])], {
          T: attr.type(DType.float),
          N: attr.int(inputs.length),
          Tidx: attr.type(DType.int32),
        }),
      };
    case 'Rescaling':
      return { out: b.binary('AddV2', b.binary('Mul', x, b.scalar(Number(c.scale))), b.scalar(Number(c.offset ?? 0))) };
    case 'UpSampling2D': {
      // tfjs resizes to (size x height, size x width) without aligned corners or half-pixel centres: so does this.
      const [fh, fw] = pair(c.size ?? 2);
      const [, h, w] = b.shape(x) ?? [];
      if (!h || !w || h < 0 || w < 0) throw new GraphUnsupportedError(`layer ${layer.name}: UpSampling2D of an unknown size`);
      const type = c.interpolation === 'bilinear' ? 'ResizeBilinear' : 'ResizeNearestNeighbor';
      const size = b.constant(Int32Array.of(h * fh, w * fw), [2]);
      return { out: b.out(type, [x, size], { T: attr.type(DType.float), align_corners: attr.bool(false), half_pixel_centers: attr.bool(false) }) };
    }
    case 'ZeroPadding2D': {
      const [[t, bo], [l, r]] = c.padding as [[number, number], [number, number]];
      return {
        out: b.out('Pad', [x, b.constant(Int32Array.of(0, 0, t, bo, l, r, 0, 0), [4, 2])], { T: attr.type(DType.float), Tpaddings: attr.type(DType.int32) }),
      };
    }
    case 'Conv1D':
      return activate(b, c.activation, withBias(ctx, sequenceOps(layer, x, c, ctx, { kernel })));
    default:
      if (SEQUENCE_LAYERS.includes(layer.getClassName())) return { out: sequenceOps(layer, x, c, ctx, { kernel }) };
      if (ATTENTION_LAYERS.includes(layer.getClassName())) return { out: attentionOps(layer, inputs, c, ctx) };
      throw new GraphUnsupportedError(`layer ${layer.name} (${layer.getClassName()}) has no graph translation`);
  }
}

/** Inverted dropout, as tfjs does it: kept units are scaled by 1 / (1 - rate). */
function dropout(ctx: LayerContext, x: Out, rate: number): Out {
  const { b } = ctx;
  const noise = b.out('RandomUniform', [b.unary('Shape', x)], {
    T: attr.type(DType.int32),
    dtype: attr.type(DType.float),
    seed: attr.int(ctx.seed),
    seed2: attr.int(ctx.seed + 1),
  });
  const keep = b.cast(b.binary('GreaterEqual', noise, b.scalar(rate)), DType.bool, DType.float);
  return b.binary('Mul', x, b.binary('Mul', keep, b.scalar(1 / (1 - rate))));
}

/**
 * Fused batch normalization over the last axis. In the training step a layer that learns normalizes by the batch
 * and moves its averages; a frozen one (feature extraction) uses its moving statistics, as Keras does.
 */
function batchNorm(layer: tf.layers.Layer, x: Out, c: Config, ctx: LayerContext): Out {
  const { b } = ctx;
  const dims = b.shape(x) ?? [];
  const channels = dims[dims.length - 1] as number;
  const image = dims.length === 4 ? x : b.reshape(x, [-1, 1, 1, channels]);
  const ones = () => b.constant(new Float32Array(channels).fill(1), [channels]);
  const zeros = () => b.constant(new Float32Array(channels), [channels]);
  const mean = ctx.weight('moving_mean') as Out;
  const variance = ctx.weight('moving_variance') as Out;
  const batchStats = ctx.training && layer.trainable;
  const empty = b.constant(new Float32Array(0), [0]);
  const op = b.op(
    'FusedBatchNormV3',
    [image, ctx.weight('gamma') ?? ones(), ctx.weight('beta') ?? zeros(), batchStats ? empty : mean, batchStats ? empty : variance],
    {
      T: attr.type(DType.float),
      U: attr.type(DType.float),
      epsilon: attr.float(Number(c.epsilon)),
      is_training: attr.bool(batchStats),
      data_format: attr.string('NHWC'),
    },
  );
  if (batchStats) {
    const momentum = b.scalar(Number(c.momentum));
    const rest = b.scalar(1 - Number(c.momentum));
    const move = (old: Out, batch: Out) => b.binary('AddV2', b.binary('Mul', old, momentum), b.binary('Mul', batch, rest));
    ctx.updates.ops.push(ctx.b.assign(ctx.updates.handleOf('moving_mean'), move(mean, [op, 1])));
    ctx.updates.ops.push(ctx.b.assign(ctx.updates.handleOf('moving_variance'), move(variance, [op, 2])));
  }
  return dims.length === 4 ? [op, 0] : b.reshape([op, 0], [-1, channels]);
}

import type * as tf from '@tensorflow/tfjs';
import { attr } from './graph-builder';
import { DType, type Out } from './native';
import type { LayerContext } from './layer-context';

type Config = Record<string, unknown>;

/** The layers of sequence models (text) this engine translates. */
export const SEQUENCE_LAYERS = ['Embedding', 'Conv1D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'LayerNormalization'];

/** Why a sequence layer cannot be translated (options the ops below do not model), or undefined. */
export function sequenceUnsupported(layer: tf.layers.Layer, c: Config): string | undefined {
  if (layer.getClassName() === 'Embedding' && c.maskZero) return `layer ${layer.name}: maskZero (masks are not modelled)`;
  if (layer.getClassName() === 'Conv1D' && c.padding === 'causal') return `layer ${layer.name}: causal padding`;
  if (layer.getClassName() === 'LayerNormalization' && !lastAxisOnly(c.axis, rankOf(layer)))
    return `layer ${layer.name}: axis ${JSON.stringify(c.axis)} (only the last axis)`;
  return undefined;
}

/**
 * An embedding is a gather of rows (ids arrive as floats: cast); its gradient is TensorFlow's, dense over the
 * table. A 1-D convolution is a 2-D one over a height-1 image. Global pooling over time is a mean or a max over
 * axis 1. Layer normalization normalizes each position over its last axis by that axis' mean and (biased)
 * variance, as tfjs does, then scales and shifts; TensorFlow derives its gradient.
 */
export function sequenceOps(layer: tf.layers.Layer, x: Out, c: Config, ctx: LayerContext, o: { kernel: () => Out }): Out {
  const { b } = ctx;
  const T = { T: attr.type(DType.float) };
  switch (layer.getClassName()) {
    case 'Embedding': {
      const table = ctx.weight('embeddings');
      if (!table) throw new Error(`layer ${layer.name} has no embeddings`);
      const ids = b.cast(x, DType.float, DType.int32);
      return b.out('GatherV2', [table, ids, b.constant(Int32Array.of(0), [])], {
        Tparams: attr.type(DType.float),
        Tindices: attr.type(DType.int32),
        Taxis: attr.type(DType.int32),
      });
    }
    case 'Conv1D': {
      const stride = Number(Array.isArray(c.strides) ? c.strides[0] : (c.strides ?? 1));
      const expand = (t: Out, axis: number) => b.out('ExpandDims', [t, b.constant(Int32Array.of(axis), [])], { ...T, Tdim: attr.type(DType.int32) });
      const image = b.out('Conv2D', [expand(x, 1), expand(o.kernel(), 0)], {
        ...T,
        strides: attr.ints([1, 1, stride, 1]),
        padding: attr.string(String(c.padding ?? 'valid').toUpperCase()),
      });
      return b.out('Squeeze', [image], { ...T, squeeze_dims: attr.ints([1]) });
    }
    case 'GlobalAveragePooling1D':
      return b.reduce('Mean', x, [1]);
    case 'GlobalMaxPooling1D':
      return b.out('Max', [x, b.ints([1])], { ...T, Tidx: attr.type(DType.int32), keep_dims: attr.bool(false) });
    case 'LayerNormalization': {
      const mean = b.reduce('Mean', x, [-1], true);
      const variance = b.reduce('Mean', b.out('SquaredDifference', [x, mean], T), [-1], true);
      const normalized = b.binary('Mul', b.binary('Sub', x, mean), b.out('Rsqrt', [b.binary('AddV2', variance, b.scalar(Number(c.epsilon)))], T));
      const gamma = ctx.weight('gamma');
      const beta = ctx.weight('beta');
      const scaled = gamma ? b.binary('Mul', normalized, gamma) : normalized;
      return beta ? b.binary('AddV2', scaled, beta) : scaled;
    }
    default:
      throw new Error(`layer ${layer.name} (${layer.getClassName()}) is not a sequence layer`);
  }
}

/** Whether a layer's axis is its input's last (-1, [-1], or rank - 1). */
export function lastAxisOnly(axis: unknown, rank: number): boolean {
  const axes = Array.isArray(axis) ? axis : [axis];
  return axes.length === 1 && (axes[0] === -1 || (rank > 0 && axes[0] === rank - 1));
}

/** The rank of a layer's (first) input, batch axis included. */
export function rankOf(layer: tf.layers.Layer): number {
  const shapes = layer.inboundNodes[0]?.inputShapes as unknown[] | undefined;
  const shape = Array.isArray(shapes?.[0]) ? shapes[0] : shapes;
  return Array.isArray(shape) ? shape.length : 0;
}

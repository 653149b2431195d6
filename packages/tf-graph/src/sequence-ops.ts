import type * as tf from '@tensorflow/tfjs';
import { attr } from './graph-builder';
import { DType, type Out } from './native';
import type { LayerContext } from './layer-context';

type Config = Record<string, unknown>;

/** The layers of sequence models (text) this engine translates. */
export const SEQUENCE_LAYERS = ['Embedding', 'Conv1D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D'];

/** Why a sequence layer cannot be translated (options the ops below do not model), or undefined. */
export function sequenceUnsupported(layer: tf.layers.Layer, c: Config): string | undefined {
  if (layer.getClassName() === 'Embedding' && c.maskZero) return `layer ${layer.name}: maskZero (masks are not modelled)`;
  if (layer.getClassName() === 'Conv1D' && c.padding === 'causal') return `layer ${layer.name}: causal padding`;
  return undefined;
}

/**
 * An embedding is a gather of rows (ids arrive as floats: cast); its gradient is TensorFlow's, dense over the
 * table. A 1-D convolution is a 2-D one over a height-1 image. Global pooling over time is a mean or a max over
 * axis 1.
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
    default:
      throw new Error(`layer ${layer.name} (${layer.getClassName()}) is not a sequence layer`);
  }
}

import type * as tf from '@tensorflow/tfjs';
import { attr } from './graph-builder';
import { DType, type Out } from './native';
import type { LayerContext } from './layer-context';
import { lastAxisOnly, rankOf } from './sequence-ops';

type Config = Record<string, unknown>;

/** The layers self-attention is built from (a transformer block) that this engine translates. */
export const ATTENTION_LAYERS = ['Dot', 'Softmax'];

/** Why an attention layer cannot be translated (options the ops below do not model), or undefined. */
export function attentionUnsupported(layer: tf.layers.Layer, c: Config): string | undefined {
  if (layer.getClassName() === 'Dot') {
    if (c.normalize) return `layer ${layer.name}: a normalized (cosine) Dot`;
    if (!dotAxes(c.axes)) return `layer ${layer.name}: Dot axes ${JSON.stringify(c.axes)} (only 1 or 2 of rank-3 inputs)`;
  }
  // tfjs's Softmax layer defaults to axis 1 (Keras' to -1): either is fine when it is the last one.
  if (layer.getClassName() === 'Softmax' && !lastAxisOnly(c.axis ?? 1, rankOf(layer)))
    return `layer ${layer.name}: softmax over axis ${JSON.stringify(c.axis)} (only the last axis)`;
  return undefined;
}

/**
 * A Dot of two sequences is a batched matrix product contracting the given axes (the attention scores q.k^T, then
 * the weights times the values); a Softmax layer normalizes over the last axis.
 */
export function attentionOps(layer: tf.layers.Layer, inputs: readonly Out[], c: Config, ctx: LayerContext): Out {
  const { b } = ctx;
  const [x, y] = inputs as [Out, Out];
  if (layer.getClassName() === 'Softmax') return b.unary('Softmax', x);
  if ((b.shape(x) ?? []).length !== 3 || (b.shape(y) ?? []).length !== 3) throw new Error(`layer ${layer.name}: Dot of inputs that are not rank 3`);
  const [ax, ay] = dotAxes(c.axes) as [number, number];
  // BatchMatMulV2 contracts x's last axis with y's middle one; adjoints move the contracted axis there.
  return b.out('BatchMatMulV2', [x, y], { T: attr.type(DType.float), adj_x: attr.bool(ax === 1), adj_y: attr.bool(ay === 2) });
}

/** A Dot's axes of rank-3 inputs as [x axis, y axis], each 1 or 2; undefined when not that. */
function dotAxes(axes: unknown): [number, number] | undefined {
  const pairOf = Array.isArray(axes) ? axes : [axes, axes];
  const [ax, ay] = pairOf.map((a) => (a === -1 ? 2 : Number(a)));
  return [ax, ay].every((a) => a === 1 || a === 2) ? [ax as number, ay as number] : undefined;
}

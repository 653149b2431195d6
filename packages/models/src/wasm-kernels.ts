import * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError } from '@anneal/contracts';

/**
 * Gradient kernels the wasm backend lacks, so conv nets can train on it. Each is composed of kernels wasm has
 * (pad, transpose, conv2d, slice); nested ops inside a kernel are not recorded on the gradient tape.
 */
export function registerWasmGradientKernels(): void {
  const kernels: [string, (args: never) => tf.TensorInfo][] = [
    [tf.Conv2DBackpropFilter, conv2dBackpropFilter],
    [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseBackpropFilter],
    [tf.DepthwiseConv2dNativeBackpropInput, depthwiseBackpropInput],
    [tf.UnsortedSegmentSum, unsortedSegmentSum],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}

type Backend = { incRef(dataId: tf.DataId): void };

/** Runs `compute` on tensor handles of the kernel's inputs and hands its result to the engine as the kernel's output. */
function composite(backend: Backend, inputs: tf.TensorInfo[], compute: (...xs: tf.Tensor[]) => tf.Tensor): tf.TensorInfo {
  // Our own handles on the inputs: each takes a reference, so disposing them leaves the caller's data alone.
  const handles = inputs.map((info) => {
    backend.incRef(info.dataId);
    return tf.engine().makeTensorFromTensorInfo(info);
  });
  const result = tf.tidy(() => compute(...handles));
  backend.incRef(result.dataId);
  const out = { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
  tf.dispose([result, ...handles]);
  return out;
}

interface FilterGradArgs {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: Backend;
  attrs: {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dilations?: [number, number] | number;
    filterShape: [number, number, number, number];
  };
}

function assertSupported(attrs: Pick<FilterGradArgs['attrs'], 'dataFormat' | 'dilations'>): void {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') throw new InputError(ErrorType.ModelIncompatible, 'conv gradients on wasm support NHWC only');
  const dilations = attrs.dilations ?? 1;
  if ((Array.isArray(dilations) ? dilations : [dilations]).some((d) => d !== 1))
    throw new InputError(ErrorType.ModelIncompatible, 'conv gradients on wasm support dilation 1 only');
}

function paddedInput(x: tf.Tensor4D, attrs: FilterGradArgs['attrs'], depthwise: boolean) {
  assertSupported(attrs);
  const info = tf.backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, depthwise, 'channelsLast');
  const { top, bottom, left, right } = info.padInfo;
  return {
    padded: tf.pad(x, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]),
    strides: [info.strideHeight, info.strideWidth] as [number, number],
  };
}

/**
 * dW[kh, kw, ci, co] = sum over b, oh, ow of xPadded[b, oh*s + kh, ow*s + kw, ci] * dy[b, oh, ow, co]:
 * a stride-1 convolution of x (channels as batch) by dy (batch as channels), dilated by the forward stride.
 */
function conv2dBackpropFilter({ inputs, backend, attrs }: FilterGradArgs): tf.TensorInfo {
  const [kh, kw] = attrs.filterShape;
  return composite(backend, [inputs.x, inputs.dy], (x, dy) => {
    const { padded, strides } = paddedInput(x as tf.Tensor4D, attrs, false);
    const xT = tf.transpose(padded, [3, 1, 2, 0]); // [ci, H, W, b]
    const f = tf.transpose(dy as tf.Tensor4D, [1, 2, 0, 3]); // [oh, ow, b, co]
    const full = tf.conv2d(xT, f, 1, 'valid', 'NHWC', strides); // [ci, >=kh, >=kw, co]
    return tf.transpose(tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]), [1, 2, 0, 3]);
  });
}

/**
 * dW[kh, kw, c, m] = sum over b, oh, ow of xPadded[b, oh*s + kh, ow*s + kw, c] * dy[b, oh, ow, c*M + m]:
 * one depthwise convolution over (b, c) channel pairs, dilated by the stride, then a sum over b.
 */
function depthwiseBackpropFilter({ inputs, backend, attrs }: FilterGradArgs): tf.TensorInfo {
  const [kh, kw, c, m] = attrs.filterShape;
  return composite(backend, [inputs.x, inputs.dy], (x, dy) => {
    const { padded, strides } = paddedInput(x as tf.Tensor4D, attrs, true);
    const [b, hp, wp] = padded.shape;
    const [, oh, ow] = dy.shape as [number, number, number, number];
    const xbc = tf.reshape(tf.transpose(padded, [1, 2, 0, 3]), [1, hp, wp, b * c]); // channel b*C + c
    const f = tf.reshape(tf.transpose(tf.reshape(dy, [b, oh, ow, c, m]), [1, 2, 0, 3, 4]), [oh, ow, b * c, m]);
    const full = tf.depthwiseConv2d(xbc as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid', 'NHWC', strides); // [1, >=kh, >=kw, b*c*m]
    return tf.sum(tf.reshape(tf.slice(full, [0, 0, 0, 0], [1, kh, kw, -1]), [kh, kw, b, c, m]), 2);
  });
}

interface InputGradArgs {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  backend: Backend;
  attrs: Omit<FilterGradArgs['attrs'], 'filterShape'> & { inputShape: [number, number, number, number] };
}

/**
 * dx = the dilated dy (zeros between rows and columns, by the stride), padded so that a valid depthwise
 * correlation with the flipped filter lands on x's shape, summed over the channel multiplier.
 */
function depthwiseBackpropInput({ inputs, backend, attrs }: InputGradArgs): tf.TensorInfo {
  return composite(backend, [inputs.dy, inputs.filter], (dy, filter) => {
    const [b, h, w, c] = attrs.inputShape;
    const [kh, kw, , m] = filter.shape as [number, number, number, number];
    const [, oh, ow] = dy.shape as [number, number, number, number];
    assertSupported(attrs);
    const info = tf.backend_util.computeConv2DInfo([b, h, w, c], [kh, kw, c, m], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, true, 'channelsLast');
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    // Dilate: [b, oh, ow, cm] -> rows/cols spaced by the stride.
    let d: tf.Tensor = tf.reshape(dy, [b, oh, 1, ow, 1, c * m]);
    d = tf.pad(d, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    d = tf.slice(tf.reshape(d, [b, oh * sh, ow * sw, c * m]), [0, 0, 0, 0], [b, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c * m]);
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = h + kh - 1 - ((oh - 1) * sh + 1) - top;
    const right = w + kw - 1 - ((ow - 1) * sw + 1) - left;
    d = tf.pad(d, [
      [0, 0],
      [top, Math.max(bottom, 0)],
      [left, Math.max(right, 0)],
      [0, 0],
    ]);
    d = tf.slice(d, [0, 0, 0, 0], [b, h + kh - 1, w + kw - 1, c * m]);
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]);
    const dx = tf.depthwiseConv2d(d as tf.Tensor4D, flipped as tf.Tensor4D, 1, 'valid'); // [b, h, w, c*m]
    return tf.sum(tf.reshape(dx, [b, h, w, c, m]), 4);
  });
}

/** The gradient of gather (embeddings): sums rows of x into numSegments buckets, as onehot(ids)^T . x. */
function unsortedSegmentSum({
  inputs,
  backend,
  attrs,
}: {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  backend: Backend;
  attrs: { numSegments: number };
}): tf.TensorInfo {
  return composite(backend, [inputs.x, inputs.segmentIds], (x, ids) => {
    const rows = ids.size;
    const rest = x.shape.slice(ids.rank);
    const flat = tf.reshape(x, [rows, rest.reduce((a, d) => a * d, 1)]);
    // wasm's OneHot writes int32 data whatever dtype is asked for: take int32 and cast.
    const onehot = tf.cast(tf.oneHot(tf.reshape(tf.cast(ids, 'int32'), [rows]), attrs.numSegments), 'float32');
    const summed = tf.matMul(onehot, tf.cast(flat, 'float32'), true, false);
    return tf.cast(tf.reshape(summed, [attrs.numSegments, ...rest]), x.dtype);
  });
}

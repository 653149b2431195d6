import * as tf from '@tensorflow/tfjs';

/**
 * Gradient kernels the wasm backend lacks, so conv nets can train on it. Each is composed of kernels wasm has
 * (pad, transpose, conv2d, slice); nested ops inside a kernel are not recorded on the gradient tape.
 */
export function registerWasmGradientKernels(): void {
  const kernels: [string, (args: never) => tf.TensorInfo][] = [
    [tf.Conv2DBackpropFilter, conv2dBackpropFilter],
    [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseBackpropFilter],
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

function paddedInput(x: tf.Tensor4D, attrs: FilterGradArgs['attrs'], depthwise: boolean) {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') throw new Error('filter gradients on wasm support NHWC only');
  const dilations = attrs.dilations ?? 1;
  if ((Array.isArray(dilations) ? dilations : [dilations]).some((d) => d !== 1)) throw new Error('filter gradients on wasm support dilation 1 only');
  const info = tf.backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, depthwise, 'channelsLast');
  const { top, bottom, left, right } = info.padInfo;
  return { padded: tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]), strides: [info.strideHeight, info.strideWidth] as [number, number] };
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

/** The gradient of gather (embeddings): sums rows of x into numSegments buckets, as onehot(ids)^T . x. */
function unsortedSegmentSum({ inputs, backend, attrs }: { inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo }; backend: Backend; attrs: { numSegments: number } }): tf.TensorInfo {
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

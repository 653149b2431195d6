import * as tf from '@tensorflow/tfjs';

/**
 * Gradient kernels the wasm backend lacks, so conv nets can train on it. Each is composed of kernels wasm has
 * (pad, transpose, conv2d, slice); nested ops inside a kernel are not recorded on the gradient tape.
 */
export function registerWasmGradientKernels(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) return;
  tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2dBackpropFilter as tf.KernelFunc });
}

interface BackpropFilterArgs {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: { incRef(dataId: tf.DataId): void };
  attrs: {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
}

/**
 * dW[kh, kw, ci, co] = sum over b, oh, ow of xPadded[b, oh*s + kh, ow*s + kw, ci] * dy[b, oh, ow, co]:
 * a stride-1 convolution of x (channels as batch) by dy (batch as channels), dilated by the forward stride.
 */
function conv2dBackpropFilter({ inputs, backend, attrs }: BackpropFilterArgs): tf.TensorInfo {
  if (attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  // Our own handles on the inputs: each takes a reference, so disposing them leaves the caller's data alone.
  backend.incRef(inputs.x.dataId);
  backend.incRef(inputs.dy.dataId);
  const x = tf.engine().makeTensorFromTensorInfo(inputs.x) as tf.Tensor4D;
  const dy = tf.engine().makeTensorFromTensorInfo(inputs.dy) as tf.Tensor4D;
  const [kh, kw] = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { top, bottom, left, right } = info.padInfo;
  const result = tf.tidy(() => {
    const padded = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    const xT = tf.transpose(padded, [3, 1, 2, 0]); // [ci, H, W, b]
    const f = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, b, co]
    const dilations: [number, number] = [info.strideHeight, info.strideWidth];
    const full = tf.conv2d(xT, f, 1, 'valid', 'NHWC', dilations); // [ci, >=kh, >=kw, co]
    return tf.transpose(tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]), [1, 2, 0, 3]);
  });
  // Hand the result's data to the engine as this kernel's output, then drop our handles.
  backend.incRef(result.dataId);
  const out = { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
  tf.dispose([result, x, dy]);
  return out;
}

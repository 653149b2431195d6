import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expectConvNetTrainsWithoutLeaks } from '../test/expect-conv-net-trains';
import { registerWasmGradientKernels } from './wasm-kernels';

type Case = { x: [number, number, number, number]; filter: [number, number, number, number]; strides: number; pad: 'same' | 'valid' };

async function filterGrad(backend: string, c: Case): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal(c.filter, 0, 1, 'float32', 2);
    const g = tf.grad((f) =>
      tf
        .conv2d(x, f as tf.Tensor4D, c.strides, c.pad)
        .square()
        .sum(),
    )(w);
    return { values: g.dataSync() as Float32Array, shape: g.shape };
  });
}

beforeAll(() => registerWasmGradientKernels());

it.each<Case>([
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'same' },
  { x: [1, 7, 6, 1], filter: [2, 3, 1, 2], strides: 1, pad: 'valid' },
  { x: [3, 10, 10, 4], filter: [5, 5, 4, 3], strides: 2, pad: 'valid' },
])('Conv2DBackpropFilter on wasm matches the cpu backend: %j', async (c) => {
  const expected = await filterGrad('cpu', c);
  const actual = await filterGrad('wasm', c);
  expect(actual.shape).toEqual(expected.shape);
  const maxAbs = Math.max(...expected.values.map(Math.abs));
  actual.values.forEach((v, i) => expect(Math.abs(v - (expected.values[i] as number))).toBeLessThan(1e-4 * maxAbs + 1e-4));
});

type DepthwiseCase = { x: [number, number, number, number]; filter: [number, number, number, number]; strides: number; pad: 'same' | 'valid' };

async function depthwiseGrad(backend: string, c: DepthwiseCase): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 4) as tf.Tensor4D;
    const w = tf.randomNormal(c.filter, 0, 1, 'float32', 5);
    return tf
      .grad((f) =>
        tf
          .depthwiseConv2d(x, f as tf.Tensor4D, c.strides, c.pad)
          .square()
          .sum(),
      )(w)
      .dataSync() as Float32Array;
  });
}

it.each<DepthwiseCase>([
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 4], filter: [3, 3, 4, 2], strides: 2, pad: 'same' },
  { x: [3, 7, 7, 2], filter: [3, 3, 2, 3], strides: 1, pad: 'valid' },
])('DepthwiseConv2dNativeBackpropFilter on wasm matches the cpu backend: %j', async (c) => {
  const expected = await depthwiseGrad('cpu', c);
  const actual = await depthwiseGrad('wasm', c);
  expect(actual).toHaveLength(expected.length);
  const maxAbs = Math.max(...expected.map(Math.abs));
  actual.forEach((v, i) => expect(Math.abs(v - (expected[i] as number))).toBeLessThan(1e-4 * maxAbs + 1e-4));
});

it.each<DepthwiseCase>([
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 4], filter: [3, 3, 4, 2], strides: 2, pad: 'same' },
  { x: [1, 8, 8, 2], filter: [3, 3, 2, 1], strides: 2, pad: 'same' },
  { x: [3, 7, 7, 2], filter: [3, 3, 2, 3], strides: 1, pad: 'valid' },
])('DepthwiseConv2dNativeBackpropInput on wasm matches the cpu backend: %j', async (c) => {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 7);
      const w = tf.randomNormal(c.filter, 0, 1, 'float32', 8) as tf.Tensor4D;
      return tf
        .grad((input) =>
          tf
            .depthwiseConv2d(input as tf.Tensor4D, w, c.strides, c.pad)
            .square()
            .sum(),
        )(x)
        .dataSync() as Float32Array;
    });
  };
  const expected = await run('cpu');
  const actual = await run('wasm');
  expect(actual).toHaveLength(expected.length);
  const maxAbs = Math.max(...expected.map(Math.abs));
  actual.forEach((v, i) => expect(Math.abs(v - (expected[i] as number))).toBeLessThan(1e-4 * maxAbs + 1e-4));
});

it('UnsortedSegmentSum on wasm (the gradient of an embedding lookup) matches the cpu backend', async () => {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const table = tf.randomNormal([6, 3], 0, 1, 'float32', 6);
      const ids = tf.tensor2d(
        [
          [0, 2, 2],
          [5, 0, 1],
        ],
        undefined,
        'int32',
      );
      return tf
        .grad((t) =>
          tf
            .gather(t, ids)
            .mul(tf.range(1, 19).reshape([2, 3, 3]))
            .sum(),
        )(table)
        .dataSync() as Float32Array;
    });
  };
  const expected = await run('cpu');
  expect(Array.from(await run('wasm'))).toEqual(Array.from(expected));
  expect(Array.from(expected.slice(9, 12))).toEqual([0, 0, 0]); // id 3 is never looked up
});

it('lets a conv net train on wasm without leaking tensors', async () => {
  await tf.setBackend('wasm');
  await expectConvNetTrainsWithoutLeaks();
});

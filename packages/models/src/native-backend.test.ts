import * as tf from '@tensorflow/tfjs';
import { resolveBackend } from './tf-backend';

// deploy/native/build-tfjs-node.sh (run by `npm test`, the demo and CI) builds tfjs-node against PyPI's
// tensorflow-cpu; this checks that the result is a working native backend that `auto` prefers.
describe('the native tensorflow backend', () => {
  it('is what auto picks when no GPU package is installed, and says why it passed over tensorflow-gpu', async () => {
    const info = await resolveBackend('auto');
    expect(info.backend).toBe('tensorflow');
    expect(info.skipped).toEqual([expect.stringMatching(/^tensorflow-gpu: package did not load/)]);
  });

  it('computes conv2d as the cpu backend does', async () => {
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
    const native = Array.from(await tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').data());
    await tf.setBackend('cpu');
    const reference = Array.from(await tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').data());
    await tf.setBackend('tensorflow');
    native.forEach((v, i) => expect(v).toBeCloseTo(reference[i] as number, 4));
  });

  it('trains a conv net without leaking tensors', async () => {
    expect(tf.getBackend()).toBe('tensorflow');
    const model = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const labels = Array.from({ length: 64 }, (_, i) => i % 2);
    const x = tf.tidy(() => tf.randomUniform([64, 8, 8, 1], 0, 1, 'float32', 3).add(tf.tensor1d(labels).reshape([64, 1, 1, 1])));
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat();
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    const history = await model.fit(x, y, { epochs: 8, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const loss = history.history.loss as number[];
    expect(loss.at(-1)).toBeLessThan(loss[0] as number);
    tf.dispose([x, y]);
    model.dispose();
  });
});

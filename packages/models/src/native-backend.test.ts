import * as tf from '@tensorflow/tfjs';
import { expectConvNetTrainsWithoutLeaks } from '../test/expect-conv-net-trains';
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
    await expectConvNetTrainsWithoutLeaks();
  });
});

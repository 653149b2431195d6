import * as tf from '@tensorflow/tfjs';

/**
 * Trains a small conv net on the active backend (after a warm-up epoch) and asserts that the loss falls and the
 * tensor count stays flat: the check shared by the wasm-kernel and native-backend tests.
 */
export async function expectConvNetTrainsWithoutLeaks(): Promise<void> {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const labels = Array.from({ length: 64 }, (_, i) => i % 2);
  const x = tf.tidy(() => tf.randomUniform([64, 8, 8, 1], 0, 1, 'float32', 3).add(tf.tensor1d(labels).reshape([64, 1, 1, 1])));
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat();
  const first = await model.fit(x, y, { epochs: 1, verbose: 0 });
  const before = tf.memory().numTensors;
  const later = await model.fit(x, y, { epochs: 8, verbose: 0 });
  expect(tf.memory().numTensors).toBe(before);
  expect((later.history.loss as number[]).at(-1)).toBeLessThan((first.history.loss as number[])[0] as number);
  tf.dispose([x, y]);
  model.dispose();
}

// The benchmark's two models, built the same way here (TF.js) and in bench/keras_train.py (Keras).
import * as tf from '@tensorflow/tfjs';

/** The demo's CNN: 28x28x1 -> conv16 -> pool -> conv32 -> pool -> dense64 -> 10. */
export function demoCnn() {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

// MobileNetV2 (alpha 1.0): [expansion, channels, repeats, stride] per stage, as in the paper.
const STAGES = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** MobileNetV2-sized: the paper's layout (about 2.2M parameters) at `size` x `size` x 3, 10 classes. */
export function mobileNetV2(size = 96) {
  const relu6 = (x) => tf.layers.reLU({ maxValue: 6 }).apply(x);
  const bn = (x) => tf.layers.batchNormalization().apply(x);
  const input = tf.input({ shape: [size, size, 3] });
  let x = relu6(bn(tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(input)));
  let channels = 32;
  for (const [t, c, n, s] of STAGES) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      let y = x;
      if (t !== 1) y = relu6(bn(tf.layers.conv2d({ filters: channels * t, kernelSize: 1, useBias: false }).apply(y)));
      y = relu6(bn(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false }).apply(y)));
      y = bn(tf.layers.conv2d({ filters: c, kernelSize: 1, useBias: false }).apply(y));
      x = stride === 1 && channels === c ? tf.layers.add().apply([x, y]) : y;
      channels = c;
    }
  }
  x = relu6(bn(tf.layers.conv2d({ filters: 1280, kernelSize: 1, useBias: false }).apply(x)));
  x = tf.layers.globalAveragePooling2d({}).apply(x);
  const output = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(x);
  return tf.model({ inputs: input, outputs: output });
}

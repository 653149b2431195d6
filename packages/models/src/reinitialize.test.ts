import * as tf from '@tensorflow/tfjs';
import { reinitialize } from './reinitialize';

function net(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 3] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(input);
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(conv);
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(bn);
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, name: 'cls' }).apply(pooled) as tf.SymbolicTensor });
}
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

it('rebuilds the same architecture with fresh weights, the same in every run', async () => {
  const pretrained = net();
  pretrained.getLayer('cls').setWeights([tf.ones([4, 2]), tf.ones([2])]);
  const [a, b] = [await reinitialize(pretrained, 7), await reinitialize(pretrained, 7)];
  expect(a.layers.map((l) => `${l.name}:${JSON.stringify(l.outputShape)}`)).toEqual(pretrained.layers.map((l) => `${l.name}:${JSON.stringify(l.outputShape)}`));
  expect(weightsOf(a)).toEqual(weightsOf(b));
  expect(weightsOf(a)[weightsOf(a).length - 2]).not.toEqual(new Array(8).fill(1));
  [pretrained, a, b].forEach((m) => m.dispose());
});

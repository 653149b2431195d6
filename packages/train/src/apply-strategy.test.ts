import * as tf from '@tensorflow/tfjs';
import { InputContract } from '@anneal/contracts';
import { adaptInput } from '@anneal/models';
import { countTrainable, withNewHead } from './apply-strategy';

/** An imported image model adapted to flat rows with a per-channel standardization, cut at its convolution. */
function adapted(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(input);
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, name: 'cls' }).apply(tf.layers.flatten().apply(conv)) as tf.SymbolicTensor });
  const contract = InputContract.parse({ normalize: { mean: [0.5], std: [0.25] } });
  return adaptInput(model, { cut: 'conv', rows: [8, 8, 3], contract })!.model;
}

describe('withNewHead', () => {
  it("never trains the input contract's standardization, even in full fine-tuning", () => {
    const full = withNewHead(adapted(), { numClasses: 3, strategy: 'full', cut: 'conv' });
    expect(full.getLayer('input_normalize').trainable).toBe(false);
    // conv (3x3x3x4 + 4) and the head (4x3 + 3) learn; the 1x1 depthwise standardization (3 + 3) does not.
    expect(countTrainable(full)).toBe(3 * 3 * 3 * 4 + 4 + 4 * 3 + 3);
    const fe = withNewHead(adapted(), { numClasses: 3, strategy: 'feature-extraction', cut: 'conv' });
    expect(countTrainable(fe)).toBe(4 * 3 + 3);
  });
});

import * as tf from '@tensorflow/tfjs';
import { InputContract } from '@anneal/contracts';
import { adaptInput } from './input-contract';

/** A small convolutional image model with its own classifier, at 8x8 RGB. */
function imageModel(channels = 3): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, channels], name: 'image' });
  const conv = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })
    .apply(input);
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(conv);
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(pooled) as tf.SymbolicTensor });
}
const contract = (value: unknown) => InputContract.parse(value);

describe('adaptInput', () => {
  it('takes flat grey rows to the model: reshaped, upsampled x2, repeated to RGB, rescaled; the same as doing it by hand', () => {
    const model = imageModel();
    const adapted = adaptInput(model, { cut: 'conv', rows: [16], contract: contract({ size: 8, range: 'symmetric' }) })!;
    expect(adapted.contract).toBe('rows [16] -> 4x4x1 -> x2 upsampled to 8x8 -> grey as RGB -> [0,1] to [-1,1]');
    expect(adapted.model.inputs[0]!.shape).toEqual([null, 16]);
    const rows = tf.randomUniform([3, 16], 0, 1, 'float32', 2);
    const byHand = tf.tidy(() => {
      const images = tf.image
        .resizeBilinear(rows.reshape([3, 4, 4, 1]) as tf.Tensor4D, [8, 8])
        .tile([1, 1, 1, 3])
        .mul(2)
        .sub(1);
      return tf.model({ inputs: model.inputs, outputs: model.getLayer('conv').getOutputAt(0) as tf.SymbolicTensor }).predict(images) as tf.Tensor;
    });
    const inside = adapted.model.predict(rows) as tf.Tensor;
    expect(inside.shape).toEqual([3, 8, 8, 4]);
    const worst = Math.max(...Array.from(inside.sub(byHand).abs().dataSync()));
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([rows, byHand, inside]);
  });

  it('standardizes per channel inside the model, with a layer that never trains', () => {
    const model = imageModel();
    const normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const adapted = adaptInput(model, { cut: 'conv', rows: [8, 8, 3], contract: contract({ normalize }) })!;
    expect(adapted.contract).toBe('rows [8, 8, 3] -> (x - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]');
    const layer = adapted.model.getLayer('input_normalize');
    expect(layer.trainable).toBe(false);
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3);
    const byHand = x.sub(tf.tensor1d(normalize.mean)).div(tf.tensor1d(normalize.std));
    const inside = tf.model({ inputs: adapted.model.inputs, outputs: layer.output as tf.SymbolicTensor }).predict(x) as tf.Tensor;
    expect(Math.max(...Array.from(inside.sub(byHand).abs().dataSync()))).toBeLessThan(1e-5);
    expect(() => adaptInput(model, { cut: 'conv', rows: [8, 8, 3], contract: contract({ normalize: { mean: [0.5, 0.5], std: [0.2] } }) })).toThrow(
      'input.normalize.mean: expected 1 or 3 values (one per channel), found 2',
    );
    expect(InputContract.safeParse({ range: 'symmetric', normalize }).success).toBe(false);
    tf.dispose([x, byHand, inside]);
  });

  it('leaves a model that already takes the rows as they are', () => {
    expect(adaptInput(imageModel(), { cut: 'conv', rows: [8, 8, 3], contract: contract({}) })).toBeUndefined();
  });

  it('names what cannot meet the contract: three channels into one, rows that are no image, a layer that needs its size', () => {
    expect(() => adaptInput(imageModel(1), { cut: 'conv', rows: [48], image: [4, 4, 3], contract: contract({}) })).toThrow(
      'the model takes 1-channel images, the dataset has 3 channel(s): read the images with image.channels 1',
    );
    expect(() => adaptInput(imageModel(), { cut: 'conv', rows: [10], contract: contract({}) })).toThrow(
      "the model takes images, and rows of 10 values are not a square image: give the dataset's image size (dataset.image)",
    );
    const input = tf.input({ shape: [8, 8, 1] });
    const flat = tf.layers.flatten({ name: 'flat' }).apply(input);
    const fixed = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3, name: 'fixed_dense' }).apply(flat) as tf.SymbolicTensor });
    expect(() => adaptInput(fixed, { cut: 'fixed_dense', rows: [16], contract: contract({ size: 12 }) })).toThrow(
      /layer fixed_dense does not take the adapted input .*cut the model lower \(cutAt\) or change input\.size/,
    );
  });
});

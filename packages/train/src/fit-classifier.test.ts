import * as tf from '@tensorflow/tfjs';
import { ApplicationFailure } from '@temporalio/common';
import { buildClassifier, resolveBackend } from '@anneal/models';
import { classificationLoss, countTrainable, disposeWithBase, withNewHead } from './apply-strategy';
import { fitClassifier } from './fit-classifier';
import { toTensors } from './to-tensors';

beforeAll(async () => {
  await resolveBackend('wasm');
});

function toyData(n: number, seed: number) {
  // two separable blobs in 4-d
  const rng = tf.randomUniform([n, 4], 0, 1, 'float32', seed);
  const labels = tf.tidy(() => tf.range(0, n).mod(2));
  const x = tf.tidy(() => rng.add(labels.reshape([n, 1]).mul(3)));
  const y = tf.tidy(() => tf.oneHot(labels.toInt(), 2).toFloat());
  rng.dispose();
  labels.dispose();
  return { x, y };
}

function compiled(model: tf.LayersModel, lr = 0.01) {
  model.compile({ optimizer: tf.train.adam(lr), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

// Both engines run the same cases: tfjs's own loop, and the graph engine (one TensorFlow session run per batch).
describe.each([['eager'], ['graph']] as const)('fitClassifier (%s engine)', (engine) => {
  const graph = engine === 'graph' ? { threads: 1, labelSmoothing: 0, seed: 1 } : undefined;

  it('learns, and leaks no tensors across epochs', async () => {
    const model = compiled(buildClassifier({ inputShape: [4], architecture: { kind: 'mlp', hiddenUnits: [8], dropout: 0 }, numClasses: 2, seed: 1 }), 0.03);
    const train = toyData(64, 1);
    const val = toyData(32, 2);
    const counts: number[] = [];
    const result = await fitClassifier(model, train.x, train.y, {
      graph,
      epochs: 6,
      batchSize: 16,
      patience: 10,
      validation: val,
      onEpoch: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    expect(result.epochsRun).toBe(6);
    expect(result.bestValAccuracy).toBeGreaterThan(0.9);
    expect(new Set(counts.slice(1)).size).toBe(1); // flat after the first epoch
    tf.dispose([train.x, train.y, val.x, val.y]);
    model.dispose();
  });

  it('stops early when val_loss stops improving and restores the best weights', async () => {
    const model = compiled(buildClassifier({ inputShape: [4], architecture: { kind: 'mlp', hiddenUnits: [8], dropout: 0 }, numClasses: 2, seed: 1 }), 0.5);
    const train = toyData(64, 3);
    // labels unrelated to inputs: validation cannot keep improving
    const val = { x: tf.randomUniform([32, 4], 0, 3, 'float32', 9), y: tf.oneHot(tf.randomUniform([32], 0, 2, 'int32', 10) as tf.Tensor1D, 2).toFloat() };
    const losses: number[] = [];
    const stopping: boolean[] = [];
    const result = await fitClassifier(model, train.x, train.y, {
      graph,
      epochs: 50,
      batchSize: 16,
      patience: 2,
      validation: val,
      onEpoch: (e, _best, s) => {
        losses.push(e.valLoss);
        stopping.push(s.stopping);
      },
    });
    expect(result.stoppedEarly).toBe(true);
    expect(stopping.indexOf(true)).toBe(stopping.length - 1); // the epoch that ends training knows it (last checkpoint)
    expect(result.epochsRun).toBe(result.bestEpoch + 3);
    expect(result.bestValLoss).toBeCloseTo(Math.min(...losses), 5);
    const evaluated = model.evaluate(val.x, val.y) as tf.Scalar[];
    expect((await evaluated[0]!.data())[0]).toBeCloseTo(result.bestValLoss, 3);
    tf.dispose([train.x, train.y, val.x, val.y, ...evaluated]);
    model.dispose();
  });

  it('counts an epoch as better only when val_loss drops by more than minDelta, and applies the learning-rate schedule', async () => {
    const model = compiled(buildClassifier({ inputShape: [4], architecture: { kind: 'mlp', hiddenUnits: [8], dropout: 0 }, numClasses: 2, seed: 1 }), 0.01);
    const train = toyData(64, 5);
    const rates: number[] = [];
    const result = await fitClassifier(model, train.x, train.y, {
      graph,
      epochs: 30,
      batchSize: 16,
      patience: 2,
      minDelta: 10,
      validation: train,
      learningRateAt: (epoch) => 0.01 / (epoch + 1),
      onEpoch: () => {
        rates.push((model.optimizer as unknown as { learningRate: number }).learningRate);
      },
    });
    // No drop can exceed 10: only the first epoch counts, and patience 2 stops after epoch 2.
    expect(result).toMatchObject({ bestEpoch: 0, epochsRun: 3, stoppedEarly: true });
    expect(rates).toEqual([0.01, 0.005, 0.01 / 3]);
    tf.dispose([train.x, train.y]);
    model.dispose();
  });

  it('with monitor val_accuracy keeps the epoch of the best validation accuracy, and patience can start later', async () => {
    const model = compiled(buildClassifier({ inputShape: [4], architecture: { kind: 'mlp', hiddenUnits: [8], dropout: 0 }, numClasses: 2, seed: 1 }), 0.5);
    const train = toyData(64, 3);
    const val = { x: tf.randomUniform([32, 4], 0, 3, 'float32', 9), y: tf.oneHot(tf.randomUniform([32], 0, 2, 'int32', 10) as tf.Tensor1D, 2).toFloat() };
    const seen: { valAccuracy: number; epoch: number }[] = [];
    const result = await fitClassifier(model, train.x, train.y, {
      graph,
      epochs: 12,
      batchSize: 16,
      patience: 2,
      patienceFrom: 6,
      monitor: 'val_accuracy',
      validation: val,
      onEpoch: (e) => {
        seen.push(e);
      },
    });
    const bestAcc = Math.max(...seen.map((e) => e.valAccuracy));
    expect(result.bestValAccuracy).toBe(bestAcc);
    expect(result.bestEpoch).toBe(seen.findIndex((e) => e.valAccuracy === bestAcc));
    // No stop before epoch 6 + patience: the count starts at patienceFrom.
    expect(result.epochsRun).toBeGreaterThanOrEqual(Math.min(12, 8));
    tf.dispose([train.x, train.y, val.x, val.y]);
    model.dispose();
  });

  it('trains on batches the caller makes (augmentation), without leaking them', async () => {
    const model = compiled(buildClassifier({ inputShape: [4], architecture: { kind: 'mlp', hiddenUnits: [8], dropout: 0 }, numClasses: 2, seed: 1 }), 0.03);
    const train = toyData(64, 1);
    const val = toyData(32, 2);
    const epochs: number[] = [];
    const counts: number[] = [];
    function* batches(epoch: number) {
      epochs.push(epoch);
      for (let b = 0; b < 4; b++) yield { xs: train.x.slice([b * 16, 0], [16, 4]), ys: train.y.slice([b * 16, 0], [16, 2]) };
    }
    const result = await fitClassifier(model, train.x, train.y, {
      graph,
      epochs: 5,
      initialEpoch: 1,
      batchSize: 16,
      patience: 10,
      validation: val,
      batches,
      onEpoch: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    expect(epochs).toEqual([1, 2, 3, 4]);
    expect(result.bestValAccuracy).toBeGreaterThan(0.9);
    expect(new Set(counts.slice(1)).size).toBe(1);
    tf.dispose([train.x, train.y, val.x, val.y]);
    model.dispose();
  });

  it('stops at the batch where onBatch asks it to (cancellation)', async () => {
    const model = compiled(buildClassifier({ inputShape: [4], architecture: { kind: 'mlp', hiddenUnits: [8], dropout: 0 }, numClasses: 2 }));
    const train = toyData(64, 4);
    let batches = 0;
    const result = await fitClassifier(model, train.x, train.y, {
      graph,
      epochs: 20,
      batchSize: 8,
      patience: 20,
      validation: train,
      onBatch: () => ++batches >= 3,
    });
    expect(result.cancelled).toBe(true);
    expect(batches).toBe(3);
    // tfjs still closes the epoch it stopped in; the graph loop ends at the batch.
    expect(result.epochsRun).toBe(engine === 'eager' ? 1 : 0);
    tf.dispose([train.x, train.y]);
    model.dispose();
  });
});

describe('strategies', () => {
  it('feature extraction freezes the base and trains only a new head; full trains everything', () => {
    const base = buildClassifier({ inputShape: [4], architecture: { kind: 'mlp', hiddenUnits: [8, 6], dropout: 0 }, numClasses: 5 });
    const fe = withNewHead(base, { numClasses: 3, strategy: 'feature-extraction' });
    expect(countTrainable(fe)).toBe(6 * 3 + 3);
    expect(fe.outputs[0]?.shape).toEqual([null, 3]);
    const full = withNewHead(base, { numClasses: 3, strategy: 'full' });
    expect(countTrainable(full)).toBe(4 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3);
    const before = tf.memory().numTensors;
    disposeWithBase(full, base);
    fe.getLayer('head').dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('feature extraction on a CNN freezes the conv layers and keeps the dense layer above them learning', () => {
    const base = buildClassifier({
      inputShape: [64],
      architecture: { kind: 'cnn', imageShape: [8, 8, 1], filters: [4], denseUnits: 6, dropout: 0 },
      numClasses: 5,
    });
    const fe = withNewHead(base, { numClasses: 3, strategy: 'feature-extraction' });
    expect(fe.layers.filter((l) => l.trainable && l.weights.length > 0).map((l) => l.name)).toEqual(['top_dense', 'head']);
    expect(countTrainable(fe)).toBe(4 * 4 * 4 * 6 + 6 + 6 * 3 + 3); // flatten of 4x4x4 -> 6 -> 3
    disposeWithBase(fe, base);
  });

  it('partial unfreezes the top k weight layers, or from a named layer; a bad name or count lists the layers', () => {
    const base = buildClassifier({ inputShape: [4], architecture: { kind: 'mlp', hiddenUnits: [8, 6, 5], dropout: 0 }, numClasses: 2 });
    const learning = (m: tf.LayersModel) => m.layers.filter((l) => l.trainable && l.weights.length > 0).map((l) => l.name);
    expect(learning(withNewHead(base, { numClasses: 3, strategy: 'partial', unfreeze: { topLayers: 1 } }))).toEqual(['base_dense_3', 'head']);
    expect(learning(withNewHead(base, { numClasses: 3, strategy: 'partial', unfreeze: { fromLayer: 'base_dense_2' } }))).toEqual([
      'base_dense_2',
      'base_dense_3',
      'head',
    ]);
    expect(() => withNewHead(base, { numClasses: 3, strategy: 'partial', unfreeze: { fromLayer: 'conv9' } })).toThrow(
      'unfreeze.fromLayer: the model has no layer "conv9"; its layers below the head are: base_dense_1, base_dense_2, base_dense_3',
    );
    expect(() => withNewHead(base, { numClasses: 3, strategy: 'partial', unfreeze: { topLayers: 4 } })).toThrow(
      'unfreeze.topLayers: 4 asked, the model has 3 layers with weights below the head',
    );
  });

  it('names the layers when the model has no head to replace', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ name: 'only', inputShape: [2], units: 2 })] });
    const err = (() => {
      try {
        withNewHead(model, { numClasses: 2, strategy: 'full' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as Error).message).toBe('model has no layer named "head" to replace and no cut; its layers are: only');
    model.dispose();
  });

  it('refuses a label that is not one of the model classes', () => {
    const d = { name: 'd', featureShape: [1], classes: ['a'], features: Float32Array.from([1]), labels: ['z'] };
    expect(() => toTensors(d, ['a', 'b'])).toThrow('dataset d: label "z" is not one of the model\'s classes (a, b)');
  });
});

describe('regularization of the head', () => {
  it('adds dropout before the head and an L2 penalty on it, and smooths labels in the loss', async () => {
    const base = buildClassifier({ inputShape: [4], architecture: { kind: 'mlp', hiddenUnits: [6], dropout: 0 }, numClasses: 2, seed: 1 });
    const model = withNewHead(base, { numClasses: 2, strategy: 'full', regularization: { headDropout: 0.3, l2: 0.01, labelSmoothing: 0.2 } });
    expect(model.layers.map((l) => l.name)).toEqual(['base_dense_1_input', 'base_dense_1', 'head_dropout', 'head']);
    expect(model.getLayer('head').getConfig().kernelRegularizer).toMatchObject({ className: 'L1L2', config: { l1: 0, l2: 0.01 } });
    // A model fine-tuned before keeps its old dropout in the base: the new one gets a fresh name.
    expect(
      withNewHead(model, { numClasses: 2, strategy: 'full', regularization: { headDropout: 0.3, l2: 0, labelSmoothing: 0 } }).layers.map((l) => l.name),
    ).toContain('head_dropout_2');

    const loss = classificationLoss(0.2) as (t: tf.Tensor, p: tf.Tensor) => tf.Tensor;
    const smoothed = loss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0.9, 0.1]]));
    // targets [0.9, 0.1]: -(0.9 ln 0.9 + 0.1 ln 0.1)
    expect((await smoothed.data())[0]).toBeCloseTo(-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)), 4);
    expect(classificationLoss(0)).toBe('categoricalCrossentropy');
    disposeWithBase(model, base);
  });
});

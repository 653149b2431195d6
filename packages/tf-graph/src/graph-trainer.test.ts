import * as tf from '@tensorflow/tfjs';
import { GraphTrainer } from './graph-trainer';
import { floats } from './native';
import { GraphUnsupportedError } from './layer-ops';
import { graphUnsupported } from './train-graph';

// The reference is tfjs's own training step on the pure-JS cpu backend.
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A small net with every kind of layer MobileNet-style models use, and the head regularization Anneal adds. */
function smallNet(seed: number, options: { dropout?: number } = {}): tf.LayersModel {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed + i });
  const input = tf.input({ shape: [6, 6, 2] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  const y = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init(2) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.add().apply([x, tf.layers.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 5, kernelSize: 1, strides: 1, kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  if (options.dropout) x = tf.layers.dropout({ rate: options.dropout }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 3, activation: 'softmax', kernelInitializer: init(4), kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function smoothedLoss(smoothing: number) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.metrics.categoricalCrossentropy(yTrue.mul(1 - smoothing).add(smoothing / 3), yPred);
}

function batch(seed: number, rows = 8) {
  const x = tf.randomUniform([rows, 6, 6, 2], 0, 1, 'float32', seed);
  const y = tf.oneHot(tf.randomUniform([rows], 0, 3, 'int32', seed + 1) as tf.Tensor1D, 3).toFloat();
  return { x, y };
}

const values = (m: tf.LayersModel) => m.layers.flatMap((l) => l.weights.map((w) => Array.from(w.read().dataSync())));

/** Three Adam steps, by tfjs and by the graph engine, on two copies of `net`: the same losses, weights within 2e-4. */
async function expectSameSteps(net: () => tf.LayersModel, batchOf: (step: number) => { x: tf.Tensor; y: tf.Tensor }): Promise<void> {
  const [eager, graphed] = [net(), net()];
  for (const m of [eager, graphed]) m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  expect(graphUnsupported(graphed)).toBeUndefined();
  const trainer = GraphTrainer.create({ model: graphed, threads: 1 });
  await trainer.load();
  for (let step = 0; step < 3; step++) {
    const { x, y } = batchOf(step);
    const eagerLoss = (await eager.trainOnBatch(x, y)) as number;
    expect((await trainer.trainBatch(floats(x.dataSync()), floats(y.dataSync()), x.shape[0] as number)).loss).toBeCloseTo(eagerLoss, 4);
    tf.dispose([x, y]);
  }
  await trainer.store();
  trainer.close();
  const [a, b] = [values(graphed).flat(), values(eager).flat()];
  expect(Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))))).toBeLessThan(2e-4);
  eager.dispose();
  graphed.dispose();
}

describe('GraphTrainer', () => {
  it('takes the same Adam steps as tfjs (conv, batch norm, depthwise, residual add, L2, label smoothing)', async () => {
    const eager = smallNet(1);
    const graphed = smallNet(1);
    for (const m of [eager, graphed]) m.compile({ optimizer: tf.train.adam(0.01), loss: smoothedLoss(0.1) });
    expect(values(graphed)).toEqual(values(eager));
    const trainer = GraphTrainer.create({ model: graphed, labelSmoothing: 0.1, threads: 1 });
    await trainer.load();
    const losses: [number, number][] = [];
    for (let step = 0; step < 3; step++) {
      const { x, y } = batch(10 + step);
      const eagerLoss = (await eager.trainOnBatch(x, y)) as number;
      const r = await trainer.trainBatch(floats(x.dataSync()), floats(y.dataSync()), 8);
      losses.push([r.loss, eagerLoss]);
      tf.dispose([x, y]);
    }
    await trainer.store();
    trainer.close();
    for (const [graphLoss, eagerLoss] of losses) expect(graphLoss).toBeCloseTo(eagerLoss, 4);
    const a = values(graphed).flat();
    const b = values(eager).flat();
    expect(a.length).toBe(b.length);
    const worst = Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));
    expect(worst).toBeLessThan(2e-4);
    // Adam's state comes back in tfjs's own layout, so a checkpoint or an eager phase carries on from it.
    const [gIter, ...gMoments] = await graphed.optimizer.getWeights();
    const [eIter, ...eMoments] = await eager.optimizer.getWeights();
    expect(gIter?.tensor.dataSync()[0]).toBe(3);
    expect(eIter?.tensor.dataSync()[0]).toBe(3);
    const slotNames = (m: tf.LayersModel) => ['m', 'v'].flatMap((slot) => m.trainableWeights.map((w) => `${w.name}/${slot}`));
    expect(gMoments.map((w) => w.name)).toEqual(slotNames(graphed));
    expect(eMoments.map((w) => w.name)).toEqual(slotNames(eager));
    gMoments.forEach((w, i) => {
      const reference = eMoments[i]?.tensor.dataSync() as Float32Array;
      const diff = Math.max(...Array.from(w.tensor.dataSync(), (v, j) => Math.abs(v - (reference[j] as number))));
      expect(diff).toBeLessThan(1e-4);
    });
    tf.dispose([gIter?.tensor, eIter?.tensor].filter((t): t is tf.Tensor => t !== undefined));
    eager.dispose();
    graphed.dispose();
  });

  it('takes the same steps as tfjs through input-adapting layers (reshape, upsample, grey to RGB, rescale, a frozen per-channel standardization), a regularized separable convolution and a concatenation', async () => {
    const net = () => {
      const init = (i: number) => tf.initializers.glorotUniform({ seed: 30 + i });
      const input = tf.input({ shape: [36] });
      let x = tf.layers.reshape({ targetShape: [6, 6, 1] }).apply(input) as tf.SymbolicTensor;
      x = tf.layers.upSampling2d({ size: [3, 2], interpolation: 'bilinear' }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.concatenate({ axis: -1 }).apply([x, x, x]) as tf.SymbolicTensor;
      x = tf.layers.rescaling({ scale: 2, offset: -1 }).apply(x) as tf.SymbolicTensor;
      // What input.normalize puts in: (x - mean) / std as a frozen 1x1 depthwise convolution.
      const standardize = { kernelSize: 1, useBias: true, trainable: false, weights: [tf.tensor4d([4, 2, 1], [1, 1, 3, 1]), tf.tensor1d([-0.5, 0, 0.25])] };
      x = tf.layers.depthwiseConv2d(standardize).apply(x) as tf.SymbolicTensor;
      const a = tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }).apply(x) as tf.SymbolicTensor;
      const c = tf.layers
        .separableConv2d({
          filters: 2,
          kernelSize: 3,
          depthMultiplier: 2,
          activation: 'relu',
          depthwiseInitializer: init(2),
          pointwiseInitializer: init(4),
          depthwiseRegularizer: tf.regularizers.l2({ l2: 0.01 }),
          pointwiseRegularizer: tf.regularizers.l1({ l1: 0.001 }),
          biasRegularizer: tf.regularizers.l2({ l2: 0.01 }),
        })
        .apply(x) as tf.SymbolicTensor;
      x = tf.layers.concatenate().apply([a, c]) as tf.SymbolicTensor;
      x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
      return tf.model({
        inputs: input,
        outputs: tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor,
      });
    };
    await expectSameSteps(net, (step) => ({
      x: tf.randomUniform([8, 36], 0, 1, 'float32', 40 + step),
      y: tf.oneHot(tf.randomUniform([8], 0, 3, 'int32', 50 + step) as tf.Tensor1D, 3).toFloat(),
    }));
  });

  it.each(['sigmoid', 'tanh', 'hardSigmoid', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'mish'])(
    'takes the same steps as tfjs through a %s activation',
    async (activation) => {
      const net = () => {
        const input = tf.input({ shape: [5] });
        const x = tf.layers
          .dense({ units: 6, activation: activation as 'elu', kernelInitializer: tf.initializers.glorotUniform({ seed: 60 }) })
          .apply(input) as tf.SymbolicTensor;
        return tf.model({
          inputs: input,
          outputs: tf.layers
            .dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 70 }) })
            .apply(x) as tf.SymbolicTensor,
        });
      };
      await expectSameSteps(net, (step) => ({
        x: tf.randomNormal([8, 5], 0, 1, 'float32', 80 + step),
        y: tf.oneHot(tf.randomUniform([8], 0, 3, 'int32', 90 + step) as tf.Tensor1D, 3).toFloat(),
      }));
    },
  );

  it.each(['average', 'conv'])('takes the same steps as tfjs through a text model: embedding, then %s over time', async (encoder) => {
    const init = (i: number) => tf.initializers.glorotUniform({ seed: 100 + i });
    const net = () => {
      const embedding = tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 5 });
      const pooling =
        encoder === 'conv'
          ? [tf.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }), tf.layers.globalMaxPooling1d({})]
          : [tf.layers.globalAveragePooling1d({})];
      return tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 50, outputDim: 6, inputShape: [7], embeddingsInitializer: embedding }),
          ...pooling,
          tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
        ],
      });
    };
    // Token ids as the reader writes them: floats, 0 for padding, an id twice to sum its gradient; ids first seen in a
    // later step (a rare token's first, tiny update is where Adam's two epsilon placements differ).
    const rows = [
      [3, 3, 9, 0, 0, 0, 0],
      [12, 40, 2, 7, 7, 1, 0],
      [49, 0, 0, 0, 0, 0, 0],
      [5, 6, 7, 8, 9, 10, 11],
    ];
    await expectSameSteps(net, (step) => ({
      x: tf.tensor2d(rows.map((r) => r.map((v) => (v === 0 ? 0 : ((v + step * 5) % 49) + 1)))),
      y: tf.oneHot(tf.tensor1d([0, 1, 2, (step + 1) % 3], 'int32'), 3).toFloat(),
    }));
  });

  it('takes the same steps as tfjs through layer normalization (over each token, then over the pooled vector) and a dense layer at every position', async () => {
    const init = (i: number) => tf.initializers.glorotUniform({ seed: 200 + i });
    const net = () =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 30, outputDim: 6, inputShape: [5], embeddingsInitializer: tf.initializers.randomUniform({ seed: 9 }) }),
          tf.layers.layerNormalization({ epsilon: 1e-3 }),
          tf.layers.dense({ units: 6, activation: 'relu', kernelInitializer: init(1) }),
          tf.layers.globalAveragePooling1d({}),
          tf.layers.layerNormalization({ axis: 1 }),
          tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
        ],
      });
    await expectSameSteps(net, (step) => ({
      x: tf.tensor2d([0, 1, 2, 3].map((r) => [0, 1, 2, 3, 4].map((t) => ((r * 7 + t * 3 + step * 5) % 29) + 1))),
      y: tf.oneHot(tf.tensor1d([0, 1, 2, step % 3], 'int32'), 3).toFloat(),
    }));
  });

  it('takes the same steps as tfjs through a self-attention block (scores by Dot, Softmax, weighted values, residual)', async () => {
    const init = (i: number) => tf.initializers.glorotUniform({ seed: 300 + i });
    const net = () => {
      const input = tf.input({ shape: [5] });
      const x = tf.layers
        .embedding({ inputDim: 30, outputDim: 4, embeddingsInitializer: tf.initializers.randomUniform({ seed: 11 }) })
        .apply(input) as tf.SymbolicTensor;
      const dense = (i: number) => tf.layers.dense({ units: 4, kernelInitializer: init(i) }).apply(x) as tf.SymbolicTensor;
      const scores = tf.layers.dot({ axes: [2, 2] }).apply([tf.layers.rescaling({ scale: 0.5 }).apply(dense(1)) as tf.SymbolicTensor, dense(2)]);
      const weights = tf.layers.softmax({ axis: -1 }).apply(scores) as tf.SymbolicTensor;
      const attended = tf.layers.dot({ axes: [2, 1] }).apply([weights, dense(3)]) as tf.SymbolicTensor;
      const mixed = tf.layers.layerNormalization({}).apply(tf.layers.add().apply([x, attended])) as tf.SymbolicTensor;
      const pooled = tf.layers.globalAveragePooling1d({}).apply(mixed) as tf.SymbolicTensor;
      return tf.model({
        inputs: input,
        outputs: tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(4) }).apply(pooled) as tf.SymbolicTensor,
      });
    };
    await expectSameSteps(net, (step) => ({
      x: tf.tensor2d([0, 1, 2, 3].map((r) => [0, 1, 2, 3, 4].map((t) => ((r * 5 + t * 7 + step * 3) % 29) + 1))),
      y: tf.oneHot(tf.tensor1d([2, 1, 0, step % 3], 'int32'), 3).toFloat(),
    }));
  });

  it('takes the same steps as tfjs through a padding mask from the ids and a convolutional position embedding', async () => {
    const init = (i: number) => tf.initializers.glorotUniform({ seed: 400 + i });
    const net = () => {
      const input = tf.input({ shape: [5] });
      const embedded = tf.layers
        .embedding({ inputDim: 30, outputDim: 4, embeddingsInitializer: tf.initializers.randomUniform({ seed: 12 }) })
        .apply(input) as tf.SymbolicTensor;
      const positions = tf.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(5) }).apply(embedded);
      const x = tf.layers.add().apply([embedded, positions as tf.SymbolicTensor]) as tf.SymbolicTensor;
      const dense = (i: number) => tf.layers.dense({ units: 4, kernelInitializer: init(i) }).apply(x) as tf.SymbolicTensor;
      // -10^4 on padding keys, from the ids by Rescaling, ReLU and Reshape, broadcast over the queries by Add.
      const mask = [
        tf.layers.rescaling({ scale: -1, offset: 1 }),
        tf.layers.reLU(),
        tf.layers.rescaling({ scale: -1e4 }),
        tf.layers.reshape({ targetShape: [1, 5] }),
      ].reduce((t, l) => l.apply(t) as tf.SymbolicTensor, input);
      const scores = tf.layers.add().apply([tf.layers.dot({ axes: [2, 2] }).apply([dense(1), dense(2)]) as tf.SymbolicTensor, mask]);
      const weights = tf.layers.softmax({ axis: -1 }).apply(scores) as tf.SymbolicTensor;
      const attended = tf.layers.dot({ axes: [2, 1] }).apply([weights, dense(3)]) as tf.SymbolicTensor;
      const pooled = tf.layers.globalAveragePooling1d({}).apply(tf.layers.add().apply([x, attended])) as tf.SymbolicTensor;
      return tf.model({
        inputs: input,
        outputs: tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(4) }).apply(pooled) as tf.SymbolicTensor,
      });
    };
    await expectSameSteps(net, (step) => ({
      x: tf.tensor2d([0, 1, 2, 3].map((r) => [0, 1, 2, 3, 4].map((t) => (t > r + 1 ? 0 : ((r * 5 + t * 7 + step * 3) % 29) + 1)))),
      y: tf.oneHot(tf.tensor1d([2, 1, 0, step % 3], 'int32'), 3).toFloat(),
    }));
  });

  it('evaluates like model.evaluate, and copying weights back and forth leaks no tensors', async () => {
    const model = smallNet(2, { dropout: 0.5 });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const trainer = GraphTrainer.create({ model, threads: 1 });
    await trainer.load();
    const { x, y } = batch(20, 40);
    const xs = floats(x.dataSync());
    const ys = floats(y.dataSync());
    const counts: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      await trainer.trainBatch(xs, ys, 40);
      await trainer.store();
      counts.push(tf.memory().numTensors);
    }
    // Dropout is off in evaluation: the graph's figures match tfjs's on the weights it stored.
    const graphEval = await trainer.evaluate(xs, ys, 40, 16);
    const [loss, accuracy] = model.evaluate(x, y) as tf.Scalar[];
    expect(graphEval.loss).toBeCloseTo(loss?.dataSync()[0] as number, 4);
    expect(graphEval.accuracy).toBeCloseTo(accuracy?.dataSync()[0] as number, 6);
    expect(new Set(counts).size).toBe(1);
    trainer.close();
    tf.dispose([x, y, loss, accuracy].filter((t): t is tf.Tensor => t !== undefined));
    model.dispose();
  });

  it('keeps a frozen batch norm in inference mode: its moving statistics do not move', async () => {
    const model = smallNet(3);
    const bn = model.layers.find((l) => l.getClassName() === 'BatchNormalization') as tf.layers.Layer;
    bn.trainable = false;
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const before = bn.weights.map((w) => Array.from(w.read().dataSync()));
    const trainer = GraphTrainer.create({ model, threads: 1 });
    await trainer.load();
    const { x, y } = batch(30);
    await trainer.trainBatch(floats(x.dataSync()), floats(y.dataSync()), 8);
    await trainer.store();
    trainer.close();
    expect(bn.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(before);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('takes the same step traced as untraced, and the trace holds the step stats of its Adam updates', async () => {
    const [plain, traced] = [smallNet(7), smallNet(7)];
    const trainers = [plain, traced].map((m) => {
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      return GraphTrainer.create({ model: m, threads: 1 });
    });
    const { x, y } = batch(3);
    const [xs, ys] = [floats(x.dataSync()), floats(y.dataSync())];
    for (const t of trainers) await t.load();
    await trainers[0]?.trainBatch(xs, ys, 8);
    const metadata = await trainers[1]?.traceBatch(xs, ys, 8);
    await trainers[0]?.trainBatch(xs, ys, 8); // the traced one counted its step: the next bias correction matches
    await trainers[1]?.trainBatch(xs, ys, 8);
    for (const t of trainers) {
      await t.store();
      t.close();
    }
    expect(values(traced)).toEqual(values(plain));
    expect(Buffer.from(metadata ?? []).toString('latin1')).toMatch(/= ResourceApplyAdam\(/);
    tf.dispose([x, y]);
    plain.dispose();
    traced.dispose();
  });

  it('names the layer it cannot translate', () => {
    const model = tf.sequential({
      layers: [tf.layers.lstm({ name: 'recurrent', inputShape: [8, 2], units: 2 }), tf.layers.dense({ units: 2, activation: 'softmax' })],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    expect(graphUnsupported(model)).toBe('layer recurrent (LSTM) has no graph translation');
    const overTime = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 10, outputDim: 4, inputShape: [3] }),
        tf.layers.layerNormalization({ name: 'norm', axis: 1 }),
        tf.layers.globalAveragePooling1d({}),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    expect(graphUnsupported(overTime)).toBe('layer norm: axis [1] (only the last axis)');
    overTime.dispose();
    expect(() => GraphTrainer.create({ model, threads: 1 })).toThrow(GraphUnsupportedError);
    const linear = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2 })] });
    linear.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    expect(() => GraphTrainer.create({ model: linear, threads: 1 })).toThrow('the model does not end in softmax; the graph engine trains classifiers');
    model.dispose();
    linear.dispose();
  });
});

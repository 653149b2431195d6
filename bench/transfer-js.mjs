// The transfer protocol (digits 0-4 -> 5-9) with Anneal's own training engine; also writes the same data for Keras.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);
const { readSource, splitStratified } = require('@anneal/dataset');
const { buildClassifier, deserializeModel, resolveBackend, serializeModel } = require('@anneal/models');
const { fitClassifier, toTensors, withNewHead } = require('@anneal/train');

export const PROTOCOL = { preEpochs: 5, ftEpochs: 30, ftLr: 1e-3 };
const CNN = { kind: 'cnn', imageShape: [28, 28, 1], filters: [16, 32], denseUnits: 64, dropout: 0 };

async function mnist(name, source) {
  const read = await readSource({ spec: { name, source: { kind: 'mnist', offset: 0, ...source } }, dataRoots: [], downloadDir: tmpdir(), keepFeatures: true });
  return read.dataset;
}

async function datasets() {
  const pre = splitStratified(await mnist('pre', { digits: [0, 1, 2, 3, 4], perClass: 800 }), { validation: 0.1, test: 0.1, seed: 1 });
  const ft = splitStratified(await mnist('ft', { digits: [5, 6, 7, 8, 9], perClass: 200 }), { validation: 0.15, test: 0.6, seed: 7 });
  return { pre, ft };
}

/** Writes float32 arrays for bench/keras_train.py (rows x 784 features, rows x 5 one-hot labels). */
export async function exportForKeras(dir) {
  const { pre, ft } = await datasets();
  mkdirSync(dir, { recursive: true });
  const meta = { pre_epochs: PROTOCOL.preEpochs, ft_epochs: PROTOCOL.ftEpochs, ft_lr: PROTOCOL.ftLr };
  for (const [part, splits] of Object.entries({ pre, ft })) {
    for (const [name, key] of [
      ['train', 'train'],
      ['validation', 'val'],
      ['test', 'test'],
    ]) {
      const d = splits[name];
      const { x, y } = toTensors(d, d.classes);
      for (const [suffix, t] of [
        ['x', x],
        ['y', y],
      ]) {
        // data() can be an Int32Array for a float32 tensor made by a cast (cpu backend): convert, then write.
        const values = Float32Array.from(await t.data());
        writeFileSync(join(dir, `${part}_${key}_${suffix}.f32`), Buffer.from(values.buffer));
      }
      meta[`${part}_${key}`] = d.labels.length;
      tf.dispose([x, y]);
    }
  }
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
}

async function accuracy(model, d) {
  const { x, y } = toTensors(d, d.classes);
  const [, acc] = model.evaluate(x, y, { batchSize: 256 });
  const value = (await acc.data())[0];
  tf.dispose([x, y]);
  return value;
}

/** engine: 'graph' (Anneal's default on the native backend) or 'eager' (tfjs's own loop). */
/**
 * The protocol's pieces: the digits 5-9 splits, a base pretrained on digits 0-4, and `arm(strategy, lr, epochs)`,
 * which fine-tunes a fresh copy (`scratch`: the same CNN from a random start) and returns the model with each
 * epoch's logs. bench:tune records its learning curves with it.
 */
export async function transferSetup(backend, engine = 'graph') {
  await resolveBackend(backend);
  const graph = engine === 'graph' ? { threads: availableParallelism(), labelSmoothing: 0, seed: 1 } : undefined;
  const { pre, ft } = await datasets();
  const fit = async (model, parts, options) => {
    model.compile({ optimizer: tf.train.adam(options.lr), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const t = toTensors(parts.train, parts.train.classes);
    const v = toTensors(parts.validation, parts.validation.classes);
    const epochs = [];
    const hooks = options.hooks ?? {};
    const onEpoch = (logs) => {
      epochs.push({ ...logs, at: performance.now() });
      return hooks.onEpoch?.(logs);
    };
    const o = { graph, epochs: options.epochs, batchSize: options.batch, patience: options.patience, validation: v, onEpoch, onBatch: hooks.onBatch };
    await fitClassifier(model, t.x, t.y, o);
    tf.dispose([t.x, t.y, v.x, v.y]);
    return epochs;
  };
  const base = buildClassifier({ inputShape: [784], architecture: CNN, numClasses: 5, seed: 1 });
  await fit(base, pre, { lr: 1e-3, epochs: PROTOCOL.preEpochs, batch: 64, patience: 2 });
  const files = new Map((await serializeModel(base)).map((f) => [f.name, f.bytes]));
  // `hooks` (onEpoch, awaited after each epoch; onBatch, true to stop) let bench:tune hold a trial at a rung's end.
  const arm = async (strategy, lr, epochs, patience = 5, hooks = {}) => {
    const start = strategy === 'scratch' ? buildClassifier({ inputShape: [784], architecture: CNN, numClasses: 5, seed: 2 }) : await deserializeModel(files);
    const model = withNewHead(start, { numClasses: 5, strategy: strategy === 'scratch' ? 'full' : strategy, seed: 3 });
    const started = performance.now();
    const logs = await fit(model, ft, { lr, epochs, batch: 32, patience, hooks });
    return { model, logs, started };
  };
  return { ft, arm };
}

export async function transferJs(backend, engine = 'graph') {
  const { ft, arm } = await transferSetup(backend, engine);
  const results = {};
  for (const strategy of ['feature-extraction', 'full', 'scratch']) {
    const { model } = await arm(strategy, PROTOCOL.ftLr, PROTOCOL.ftEpochs);
    results[strategy] = await accuracy(model, ft.test);
  }
  return results;
}

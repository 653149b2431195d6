// The tasks bench/tune.mjs searches: each names its space (the candidates, whether each is pretrained, the learning
// rate range, the epoch budget) and records its learning curves once, for real, with Anneal's graph engine: every
// arm (candidate and strategy) at `rates` log-spaced learning rates, the whole curve without early stopping. A
// trainer is `(arm, lr, epochs, hooks?)`: `hooks.onEpoch` is awaited after each epoch, `hooks.onBatch` returning true
// stops training (bench/tune-real.mjs holds a trial at a rung's end with them).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { tensorsOf } from './lib/classify.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** The rates a task's curves are recorded at: `count` log-spaced values over [lo, hi], 3 significant digits. */
export function recordedRates([lo, hi], count) {
  const [a, b] = [Math.log(lo), Math.log(hi)];
  return Array.from({ length: count }, (_, i) => Number(Math.exp(a + ((b - a) * i) / (count - 1)).toPrecision(3)));
}

/** The arms of a space: each candidate under each strategy it allows (a net trained from scratch: `full` only). */
export function armsOf(candidates) {
  return candidates.flatMap((c, candidate) => (c.pretrained ? ['feature-extraction', 'full'] : ['full']).map((strategy) => ({ candidate, strategy })));
}

export const TASKS = {
  /** The digits 5-9 transfer task: the digits-0-4 CNN base (feature extraction or full) or the same CNN from scratch. */
  digits: {
    task: 'digits 5-9 transfer',
    candidates: [{ pretrained: true }, { pretrained: false }],
    lr: [5e-4, 5e-3],
    async trainer() {
      const { transferSetup } = await import('./transfer-js.mjs');
      const { arm } = await transferSetup('tensorflow');
      return (a, lr, epochs, hooks) => arm(a.candidate === 1 ? 'scratch' : a.strategy, lr, epochs, 1000, hooks);
    },
  },
  /**
   * Breast cancer (scikit-learn's, 569 rows x 30 features): a small MLP (32 units) or a wider, deeper one (256, 128;
   * dropout 0.2), both standardized with the training rows' scaling, batch 32. Validation is 30 % of the rows, so
   * one row moves the accuracy 0.58 point.
   */
  tabular: {
    task: 'breast cancer MLP',
    candidates: [{ pretrained: false }, { pretrained: false }],
    lr: [1e-4, 3e-2],
    async trainer() {
      const { fitScaling, readSource, splitStratified } = require('@anneal/dataset');
      const { buildClassifier, resolveBackend } = require('@anneal/models');
      const { fitClassifier } = require('@anneal/train');
      await resolveBackend('tensorflow');
      const dir = mkdtempSync(join(tmpdir(), 'anneal-bench-tune-'));
      const csv = join(dir, 'breast_cancer.csv');
      execFileSync(join(here, '..', '.venv', 'bin', 'python'), [join(here, 'tabular_sklearn.py'), 'export', 'breast_cancer', csv]);
      const { dataset } = await readSource({
        spec: { name: 'breast_cancer', source: { kind: 'file', path: csv } },
        dataRoots: [dir],
        downloadDir: dir,
        keepFeatures: true,
      });
      const parts = splitStratified(dataset, { validation: 0.3, test: 0.2, seed: 7 });
      const scaling = fitScaling(parts.train);
      const classes = parts.train.classes;
      const [train, validation] = [tensorsOf(parts.train, classes), tensorsOf(parts.validation, classes)];
      const architectures = [
        { kind: 'mlp', hiddenUnits: [32], dropout: 0 },
        { kind: 'mlp', hiddenUnits: [256, 128], dropout: 0.2 },
      ];
      const graph = { threads: availableParallelism(), labelSmoothing: 0, seed: 1 };
      return async (a, lr, epochs, hooks = {}) => {
        const model = buildClassifier({
          inputShape: parts.train.featureShape,
          architecture: architectures[a.candidate],
          numClasses: classes.length,
          seed: 2,
          scaling,
        });
        model.compile({ optimizer: tf.train.adam(lr), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
        const logs = [];
        const started = performance.now();
        const onEpoch = (l) => {
          logs.push({ ...l, at: performance.now() });
          return hooks.onEpoch?.(l);
        };
        await fitClassifier(model, train.x, train.y, { graph, epochs, batchSize: 32, patience: 1000, validation, onEpoch, onBatch: hooks.onBatch });
        model.dispose();
        return { logs, started };
      };
    },
  },
};

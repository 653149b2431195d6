// npm run bench:tabular — Anneal's tabular MLP against scikit-learn on small real tables bundled with scikit-learn
// (wine: 13 features from 0.1 to 1,680; breast cancer: 30; iris: 4) and with palmerpenguins (344 penguins: two
// categories, island and sex, and gaps in five columns; scikit-learn gets the raw rows and its own SimpleImputer,
// StandardScaler and OneHotEncoder, Anneal its reader's one-hot columns and its imputation). Twenty stratified splits
// by Anneal (seeds 7 to 26); on each one's training rows Anneal fits the scaling its model carries and trains an MLP
// (64 hidden units, adam, early stopping on a validation share of the training rows); scikit-learn fits
// StandardScaler + LogisticRegression and StandardScaler + MLPClassifier(64) on the training and validation rows (and,
// to show what those are worth, on the training rows alone). Everything is scored on the same test rows. The ablation
// trains the same MLP without the scaling (what Anneal did before). Prints one JSON line per dataset: each method's
// mean over the splits and its accuracy on each, and Anneal's paired difference from the better scikit-learn method.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { score, tensorsOf } from './lib/classify.mjs';

const require = createRequire(import.meta.url);
const { DatasetSpec } = require('@anneal/contracts');
const { fitScaling, readSource, splitStratified } = require('@anneal/dataset');
const { buildClassifier, resolveBackend } = require('@anneal/models');
const { fitClassifier } = require('@anneal/train');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
/**
 * Twenty splits by default (`BENCH_TABULAR_SPLITS`): one test share of 45 rows (wine) moves 2.2 points a row, so a
 * few splits cannot tell methods a point apart; the paired comparison says how far apart they are, with its interval.
 */
const SPLITS = Number(process.env.BENCH_TABULAR_SPLITS ?? 20);
const SEEDS = Array.from({ length: SPLITS }, (_, i) => 7 + i);
const dir = mkdtempSync(join(tmpdir(), 'anneal-bench-tabular-'));
await resolveBackend('tensorflow');

// Penguins: the row id is the group (never a feature), so scikit-learn can be given the same rows raw.
const PENGUINS = {
  columns: [
    { name: 'label', type: 'category' },
    { name: 'row', type: 'string' },
    { name: 'island', type: 'category', values: ['Biscoe', 'Dream', 'Torgersen'] },
    ...['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'].map((name) => ({ name, type: 'number', nullable: true })),
    { name: 'sex', type: 'category', values: ['female', 'male'], nullable: true },
    { name: 'year', type: 'integer' },
  ],
  group: 'row',
};

for (const name of ['wine', 'breast_cancer', 'iris', 'penguins']) {
  const csv = join(dir, `${name}.csv`);
  execFileSync(PYTHON, [join(ROOT, 'bench', 'tabular_sklearn.py'), 'export', name, csv]);
  const spec = DatasetSpec.parse({ name, source: { kind: 'file', path: csv }, ...(name === 'penguins' ? { schema: PENGUINS } : {}) });
  const { dataset } = await readSource({ spec, dataRoots: [dir], downloadDir: dir, keepFeatures: true });
  const runs = [];
  for (const seed of SEEDS) runs.push(await compare(dataset, csv, seed));
  const mean = (method) => ({
    accuracy: average(runs.map((r) => r[method].accuracy)),
    macro_f1: average(runs.map((r) => r[method].macro_f1)),
    accuracy_per_seed: runs.map((r) => round(r[method].accuracy)),
  });
  const methods = [
    'anneal_mlp',
    'anneal_mlp_unscaled',
    'sklearn_logistic_regression',
    'sklearn_mlp',
    'sklearn_logistic_regression_train_rows_only',
    'sklearn_mlp_train_rows_only',
  ];
  const result = Object.fromEntries(methods.map((m) => [m, mean(m)]));
  const rival = result.sklearn_mlp.accuracy >= result.sklearn_logistic_regression.accuracy ? 'sklearn_mlp' : 'sklearn_logistic_regression';
  console.log(
    JSON.stringify({
      dataset: name,
      rows: dataset.labels.length,
      features: dataset.featureShape[0],
      test_rows: runs[0].testRows,
      seeds: SEEDS,
      ...result,
      accuracy_vs_best_sklearn: Number((result.anneal_mlp.accuracy / result[rival].accuracy).toFixed(3)),
      // Split by split against the better of scikit-learn's two: is the gap more than the splits' noise?
      anneal_minus_best_sklearn: { rival, ...pairedAccuracy(runs, 'anneal_mlp', rival) },
    }),
  );
}

/** One split (by `seed`) and every method on it: Anneal with and without its preprocessing, scikit-learn's two. */
async function compare(dataset, csv, seed) {
  const parts = splitStratified(dataset, { validation: 0.2, test: 0.25, seed });
  const script = join(ROOT, 'bench', 'tabular_sklearn.py');
  const ids = (...ps) => ps.flatMap((p) => p.groups).join(',');
  // scikit-learn learns from the training and validation rows (Anneal early-stops on the latter), and, to show
  // what those rows are worth, from the training rows alone.
  const sklearnOn = (train) => {
    const args = dataset.groups
      ? ['score-raw', csv, ids(...train), ids(parts.test), String(seed)]
      : ['score', toCsv(train[0], train.slice(1), `train${train.length}`), toCsv(parts.test, [], 'test'), String(seed)];
    return JSON.parse(execFileSync(PYTHON, [script, ...args]).toString());
  };
  const sklearn = sklearnOn([parts.train, parts.validation]);
  const trainOnly = sklearnOn([parts.train]);
  return {
    testRows: parts.test.labels.length,
    anneal_mlp: await anneal(parts, fitScaling(parts.train), seed),
    anneal_mlp_unscaled: await anneal(parts, undefined, seed),
    sklearn_logistic_regression: sklearn.logistic_regression,
    sklearn_mlp: sklearn.mlp,
    sklearn_logistic_regression_train_rows_only: trainOnly.logistic_regression,
    sklearn_mlp_train_rows_only: trainOnly.mlp,
  };
}

/** The mean split-by-split accuracy difference of two methods, its 95 % interval and p-value (scipy's paired t-test). */
function pairedAccuracy(runs, first, second) {
  const list = (m) => runs.map((r) => r[m].accuracy).join(',');
  const p = JSON.parse(execFileSync(PYTHON, [join(ROOT, 'bench', 'tabular_sklearn.py'), 'paired', list(first), list(second)]).toString());
  return { mean_difference: round(p.mean_difference), ci95: p.ci95.map(round), p_value: round(p.p_value) };
}

function average(values) {
  return round(values.reduce((a, b) => a + b, 0) / values.length);
}

function round(v) {
  return Number(v.toFixed(4));
}

/** A split as CSV for scikit-learn; `also` rows are added (the validation share Anneal early-stops on is training data). */
function toCsv(part, also, tag) {
  const path = join(dir, `${part.name}-${tag}.csv`);
  const d = part.featureShape[0];
  const lines = [['label', ...Array.from({ length: d }, (_, i) => `f${i}`)].join(',')];
  for (const p of [part, ...also]) p.labels.forEach((label, r) => lines.push([label, ...p.features.subarray(r * d, (r + 1) * d)].join(',')));
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function anneal(parts, scaling, seed) {
  const classes = parts.train.classes;
  const [train, validation] = [tensorsOf(parts.train, classes), tensorsOf(parts.validation, classes)];
  const model = buildClassifier({
    inputShape: parts.train.featureShape,
    architecture: { kind: 'mlp', hiddenUnits: [64], dropout: 0 },
    numClasses: classes.length,
    seed,
    ...(scaling ? { scaling } : {}),
  });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const graph = { threads: availableParallelism(), labelSmoothing: 0, seed };
  await fitClassifier(model, train.x, train.y, { graph, epochs: 300, batchSize: 16, patience: 30, monitor: 'val_loss', validation: validation });
  const scored = await score(model, parts.test, classes);
  tf.dispose([train.x, train.y, validation.x, validation.y]);
  model.dispose();
  return scored;
}

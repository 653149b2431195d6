// One measurement in its own process (so peak RSS is its own):
//   node bench/train-worker.mjs <model> <backend> <batch> <steps> [eager|graph]
// eager: tfjs's model.fit, op by op on <backend>. graph: Anneal's graph engine (@anneal/tf-graph), one TensorFlow
// session run per step, the way the train activity runs on the native backend.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { demoCnn, mobileNetV2 } from './architectures.mjs';

const require = createRequire(import.meta.url);
const { resolveBackend } = require('@anneal/models');
const [modelName, backendName, batchArg, stepsArg, engine = 'eager'] = process.argv.slice(2);
const batch = Number(batchArg);
const steps = Number(stepsArg);

const info = await resolveBackend(backendName);
const model = modelName === 'demo-cnn' ? demoCnn() : mobileNetV2();
const shape = modelName === 'demo-cnn' ? [28, 28, 1] : [96, 96, 3];
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
const x = tf.randomUniform([batch * steps, ...shape], 0, 1, 'float32', 1);
const y = tf.oneHot(tf.randomUniform([batch * steps], 0, 10, 'int32', 2), 10).toFloat();

let seconds;
if (engine === 'graph') {
  const { GraphTrainer, floats } = require('@anneal/tf-graph');
  const trainer = GraphTrainer.create({ model, threads: availableParallelism() });
  await trainer.load();
  const xs = floats(x.dataSync());
  const ys = floats(y.dataSync());
  const rowX = xs.length / (batch * steps);
  const at = (s) => [xs.subarray(s * batch * rowX, (s + 1) * batch * rowX), ys.subarray(s * batch * 10, (s + 1) * batch * 10), batch];
  await trainer.trainBatch(...at(0)); // warm-up: graph optimization, allocations
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await trainer.trainBatch(...at(s));
  seconds = (performance.now() - t0) / 1000;
  await trainer.store();
  trainer.close();
} else {
  const warm = [x.slice(0, batch), y.slice(0, batch)];
  await model.fit(warm[0], warm[1], { batchSize: batch, epochs: 1, verbose: 0 }); // warm-up: kernels, allocations
  const t0 = performance.now();
  await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0, shuffle: false });
  seconds = (performance.now() - t0) / 1000;
}
console.log(JSON.stringify({ backend: info.backend, engine, samplesPerSec: (batch * steps) / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }));

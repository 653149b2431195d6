// One measurement in its own process (so peak RSS is its own): node bench/train-worker.mjs <model> <backend> <batch> <steps>
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { demoCnn, mobileNetV2 } from './architectures.mjs';

const require = createRequire(import.meta.url);
const { resolveBackend } = require('@anneal/models');
const [modelName, backendName, batchArg, stepsArg] = process.argv.slice(2);
const batch = Number(batchArg);
const steps = Number(stepsArg);

const info = await resolveBackend(backendName);
const model = modelName === 'demo-cnn' ? demoCnn() : mobileNetV2();
const shape = modelName === 'demo-cnn' ? [28, 28, 1] : [96, 96, 3];
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
const x = tf.randomUniform([batch * steps, ...shape], 0, 1, 'float32', 1);
const y = tf.oneHot(tf.randomUniform([batch * steps], 0, 10, 'int32', 2), 10).toFloat();
const warm = [x.slice(0, batch), y.slice(0, batch)];
await model.fit(warm[0], warm[1], { batchSize: batch, epochs: 1, verbose: 0 }); // warm-up: kernels, allocations
const t0 = performance.now();
await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0, shuffle: false });
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ backend: info.backend, samplesPerSec: (batch * steps) / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }));

// Where the graph engine's time goes: `node bench/profile-graph.mjs <model> <batch> <steps>` traces that many
// training steps of bench:train's model (TensorFlow's step stats, FULL_TRACE, through GraphTrainer.traceBatch) and
// sums op time by type with bench/profile_tf.py (in .venv-bench, which reads TensorFlow's RunMetadata). One JSON line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { demoCnn, mobileNetV2 } from './architectures.mjs';

const require = createRequire(import.meta.url);
const { resolveBackend } = require('@anneal/models');
const { GraphTrainer, floats } = require('@anneal/tf-graph');
const here = dirname(fileURLToPath(import.meta.url));
const [modelName = 'mobilenet-v2', batchArg = '16', stepsArg = '6'] = process.argv.slice(2);
const [batch, steps, threads] = [Number(batchArg), Number(stepsArg), availableParallelism()];

await resolveBackend('tensorflow');
const model = modelName === 'demo-cnn' ? demoCnn() : mobileNetV2();
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
const shape = modelName === 'demo-cnn' ? [28, 28, 1] : [96, 96, 3];
const x = floats(tf.randomUniform([batch, ...shape], 0, 1, 'float32', 1).dataSync());
const y = floats(
  tf
    .oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2), 10)
    .toFloat()
    .dataSync(),
);
const trainer = GraphTrainer.create({ model, threads });
const dir = mkdtempSync(join(tmpdir(), 'anneal-graph-profile-'));
try {
  await trainer.load();
  for (let i = 0; i < 2; i++) await trainer.trainBatch(x, y, batch); // warm-up: graph optimization, allocations
  for (let i = 0; i < steps; i++) writeFileSync(join(dir, `step-${i}.pb`), await trainer.traceBatch(x, y, batch));
} finally {
  trainer.close();
}
const python = join(here, '..', '.venv-bench', 'bin', 'python');
// The reader only parses protos: TensorFlow's own defaults there (no oneDNN banner from Anneal's setting).
const env = { ...process.env };
delete env.TF_ENABLE_ONEDNN_OPTS;
const summary = execFileSync(python, [join(here, 'profile_tf.py'), 'graph', dir, modelName, batchArg, String(threads)], { encoding: 'utf8', env });
console.log(summary.trim());

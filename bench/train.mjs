// npm run bench:train — training throughput of the demo CNN and a MobileNetV2-sized model on every TF.js backend
// that loads (the native one on both training engines, graph and eager; the graph engine with and without oneDNN's
// kernels), against Keras (PyPI tensorflow-cpu, its better of TensorFlow's own kernels and oneDNN's) and PyTorch
// (its best of NCHW, channels_last and torch.compile) with the same batch, data shapes and thread count, run from
// this script, each line with both ratios. Then the transfer protocol (digits 0-4 -> 5-9) in Anneal and Keras.
// One JSON line per result.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exportForKeras, transferJs } from './transfer-js.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const python = join(here, '..', '.venv-bench', 'bin', 'python');
const threads = availableParallelism();
const RUN_LIMIT_MS = 240_000;

// [model, batch, steps per backend]: the pure-JS cpu backend gets few steps, it is two orders of magnitude slower.
const PLAN = [
  ['demo-cnn', 32, { tensorflow: 200, wasm: 60, cpu: 4 }],
  ['mobilenet-v2', 16, { tensorflow: 24, wasm: 6, cpu: 1 }],
];
// What runs: the native backend on the graph engine (what the train activity uses there, with oneDNN's kernels as
// Anneal turns them on, then with TensorFlow's own to show what they bring) and eagerly, then the others.
const ONEDNN_OFF = { TF_ENABLE_ONEDNN_OPTS: '0' };
const VARIANTS = [
  ['tensorflow', 'graph', {}],
  ['tensorflow', 'graph', ONEDNN_OFF, 'graph, oneDNN off'],
  ['tensorflow', 'eager', {}],
  ['wasm', 'eager', {}],
  ['cpu', 'eager', {}],
];

async function json(cmd, args, { timeout = RUN_LIMIT_MS, env = {} } = {}) {
  const { stdout } = await run(cmd, args, { timeout, maxBuffer: 16 << 20, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env } });
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** Keras at its best: TensorFlow turns oneDNN's kernels on by itself only on AVX-512 VNNI/BF16 or AMX CPUs; both timed. */
async function kerasBest(args) {
  const own = await json(python, [join(here, 'keras_train.py'), ...args], { env: ONEDNN_OFF });
  const onednn = await json(python, [join(here, 'keras_train.py'), ...args], { env: { TF_ENABLE_ONEDNN_OPTS: '1' } });
  const variants = { 'tensorflow kernels': round(own.samplesPerSec), onednn: round(onednn.samplesPerSec) };
  const faster = onednn.samplesPerSec > own.samplesPerSec;
  return { ...(faster ? onednn : own), variant: faster ? 'onednn' : 'tensorflow kernels', variants };
}

if (!existsSync(python)) {
  console.error('bench:train needs its anchors: npm run bench:train sets them up (bench/setup-venv.sh)');
  process.exit(1);
}

// `node bench/train.mjs transfer` runs the transfer protocol alone, `throughput` the throughput alone;
// BACKENDS=tensorflow (a comma list) limits the TF.js backends timed.
const only = process.argv[2];
const backends = process.env.BACKENDS?.split(',');
for (const [model, batch, steps] of only === 'transfer' ? [] : PLAN) {
  const anchorArgs = ['throughput', model, String(batch), String(steps.tensorflow), String(threads)];
  const keras = await kerasBest(anchorArgs);
  console.log(JSON.stringify({ model, anchor: 'keras', variants: keras.variants, batch, steps: steps.tensorflow, threads }));
  // Longer: torch.compile compiles the training step first (minutes for MobileNetV2 on two cores).
  const torch = await json(python, [join(here, 'torch_train.py'), ...anchorArgs], { timeout: 3 * RUN_LIMIT_MS });
  console.log(JSON.stringify({ model, anchor: 'pytorch', torch: torch.torch, variants: torch.variants, batch, steps: steps.tensorflow, threads }));
  for (const [backend, engine, env, label = engine] of VARIANTS.filter(([b]) => !backends || backends.includes(b))) {
    let line;
    try {
      const r = await json(process.execPath, [join(here, 'train-worker.mjs'), model, backend, String(batch), String(steps[backend]), engine], { env });
      line = {
        model,
        backend: r.backend,
        engine: label,
        samplesPerSec: round(r.samplesPerSec),
        anchor: 'keras',
        anchorSamplesPerSec: round(keras.samplesPerSec),
        kerasVariant: keras.variant,
        ratio: round(r.samplesPerSec / keras.samplesPerSec, 3),
        pytorchSamplesPerSec: round(torch.samplesPerSec),
        pytorchVariant: torch.variant,
        ratioPytorch: round(r.samplesPerSec / torch.samplesPerSec, 3),
        peakRssMb: Math.round(r.peakRssMb),
        anchorPeakRssMb: Math.round(keras.peakRssMb),
        pytorchPeakRssMb: Math.round(torch.peakRssMb),
        batch,
        steps: steps[backend],
        threads,
      };
    } catch (err) {
      line = {
        model,
        backend,
        engine: label,
        error: String(err.killed ? `over ${RUN_LIMIT_MS / 1000} s` : err.message).split('\n')[0],
        anchor: 'keras',
        anchorSamplesPerSec: round(keras.samplesPerSec),
      };
    }
    console.log(JSON.stringify(line));
  }
}

if (only === 'throughput') process.exit(0);
const dataDir = mkdtempSync(join(tmpdir(), 'anneal-transfer-'));
await exportForKeras(dataDir);
const kerasTransfer = await json(python, [join(here, 'keras_train.py'), 'transfer', dataDir, String(threads)]);
const graphTransfer = await transferJs('tensorflow', 'graph');
const eagerTransfer = await transferJs('tensorflow', 'eager');
console.log(
  JSON.stringify({
    protocol: 'mnist 0-4 -> 5-9, 250 labelled training digits',
    testAccuracy: { anneal: graphTransfer, annealEager: eagerTransfer, keras: kerasTransfer },
  }),
);

function round(x, digits = 1) {
  return Number(x.toFixed(digits));
}

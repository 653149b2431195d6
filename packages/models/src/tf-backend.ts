import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, type BackendName } from '@anneal/contracts';
import { loadTensorflow } from '@anneal/tf-graph';
import { registerWasmGradientKernels } from './wasm-kernels';

export interface BackendInfo {
  /** The backend tfjs reports after setBackend: what actually runs the maths. */
  backend: string;
  /** Which package provides it: tensorflow-gpu and tensorflow both register as tfjs's `tensorflow`. */
  kind: Concrete;
  device: string;
  threads: number;
  /** Why faster backends were passed over, when `auto` chose. */
  skipped: string[];
}

type Concrete = Exclude<BackendName, 'auto'>;
const AUTO_ORDER: Concrete[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
// Name tfjs registers for each: both native packages register 'tensorflow'.
const TF_NAME: Record<Concrete, string> = { 'tensorflow-gpu': 'tensorflow', tensorflow: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

let current: Promise<BackendInfo> | undefined;
let currentRequest: BackendName | undefined;

/**
 * Loads and activates a TF.js backend once per process. `auto` takes the fastest that loads;
 * an explicit backend that fails is an error, never a silent fallback.
 */
export function resolveBackend(requested: BackendName): Promise<BackendInfo> {
  if (current && (requested === currentRequest || requested === 'auto')) return current;
  currentRequest = requested;
  current = activate(requested).catch((err: unknown) => {
    current = undefined;
    throw err;
  });
  return current;
}

async function activate(requested: BackendName): Promise<BackendInfo> {
  const order = requested === 'auto' ? AUTO_ORDER : [requested];
  const skipped: string[] = [];
  for (const name of order) {
    const reason = await tryActivate(name);
    if (reason === undefined) {
      return { backend: tf.getBackend(), kind: name, device: describeDevice(name), threads: os.availableParallelism(), skipped };
    }
    skipped.push(`${name}: ${reason}`);
  }
  throw ApplicationFailure.nonRetryable(`TF.js backend ${requested} is not available here: ${skipped.join('; ')}`, ErrorType.BackendUnavailable);
}

async function tryActivate(name: Concrete): Promise<string | undefined> {
  try {
    // TensorFlow's settings (oneDNN's kernels, GPU memory growth, quiet start-up) before either native package loads.
    if (name === 'tensorflow-gpu') loadTensorflow(() => require('@tensorflow/tfjs-node-gpu'));
    else if (name === 'tensorflow') loadTensorflow(() => require('@tensorflow/tfjs-node'));
    else if (name === 'wasm') {
      require('@tensorflow/tfjs-backend-wasm');
      registerWasmGradientKernels();
    }
  } catch (err) {
    return `package did not load (${firstLine(err)})`;
  }
  try {
    const ok = await tf.setBackend(TF_NAME[name]);
    await tf.ready();
    if (!ok || tf.getBackend() !== TF_NAME[name]) return `setBackend returned ${String(ok)}, active backend is ${tf.getBackend()}`;
  } catch (err) {
    return `initialisation failed (${firstLine(err)})`;
  }
  return undefined;
}

function describeDevice(name: Concrete): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return name === 'tensorflow-gpu' ? `GPU via CUDA (host ${cpu})` : cpu;
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0] ?? '';
}

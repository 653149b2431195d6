import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Built beside the graph addon (binding.gyp), without TensorFlow, so it loads before TensorFlow does. */
const GUARD_PATH = join(__dirname, '..', 'build', 'Release', 'stderr_guard.node');

interface StderrGuard {
  mute(): number;
  restore(saved: number): void;
}

/**
 * TensorFlow's settings, in the environment before the first library that links it loads (it reads each once per
 * process; what the user set wins):
 * - TF_CPP_MIN_LOG_LEVEL=2: no C++ info or warning banners.
 * - TF_FORCE_GPU_ALLOW_GROWTH: GPU memory taken as needed, not all at once, so several workers share a GPU.
 * - TF_ENABLE_ONEDNN_OPTS=1: oneDNN's convolution, pooling and matrix kernels. TensorFlow turns them on by itself
 *   only on CPUs with AVX-512 VNNI or BF16 or AMX; on an AVX2 CPU (bench:train, graph engine, 2 threads) they train
 *   the demo CNN 1.8x and MobileNetV2 1.4x as fast as TensorFlow's own kernels, and leave MLPs and text models level.
 */
function applyTensorflowDefaults(): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  process.env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '1';
}

/** Which CPU kernels TensorFlow uses in this process, read as TensorFlow reads TF_ENABLE_ONEDNN_OPTS: for params and doctor. */
export function cpuKernels(): string {
  const value = process.env.TF_ENABLE_ONEDNN_OPTS ?? '';
  if (['1', 'true'].includes(value.toLowerCase())) return 'oneDNN';
  if (['0', 'false'].includes(value.toLowerCase())) return "TensorFlow's own (TF_ENABLE_ONEDNN_OPTS=0)";
  return `TensorFlow's choice for this CPU (TF_ENABLE_ONEDNN_OPTS is '${value}', not 0, 1, true or false)`;
}

let guard: StderrGuard | null | undefined;

function stderrGuard(): StderrGuard | null {
  if (guard !== undefined) return guard;
  try {
    guard = existsSync(GUARD_PATH) ? (require(GUARD_PATH) as StderrGuard) : null;
  } catch {
    guard = null; // a guard that does not load only means TensorFlow's start-up lines show
  }
  return guard;
}

/**
 * Loads a library that links TensorFlow (tfjs-node, the graph addon) after applyTensorflowDefaults, with stderr
 * silenced while it loads: TensorFlow's static initialisers log before TF_CPP_MIN_LOG_LEVEL applies (with oneDNN on,
 * two lines at every worker start). TF_CPP_MIN_LOG_LEVEL=0 keeps them, for debugging. A failed load still throws.
 */
export function loadTensorflow<T>(load: () => T): T {
  applyTensorflowDefaults();
  const quiet = Number(process.env.TF_CPP_MIN_LOG_LEVEL) > 0 ? stderrGuard() : null;
  const saved = quiet?.mute();
  try {
    return load();
  } finally {
    if (saved !== undefined) quiet?.restore(saved);
  }
}

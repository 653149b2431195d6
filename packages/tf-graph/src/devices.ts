import { loadAddon, sessionConfig, type TensorflowDevice } from './native';

let found: TensorflowDevice[] | Error | undefined;

/**
 * The devices the graph engine's TensorFlow can train on, read once per process from a session on an empty graph
 * (TensorFlow finds its devices once): GPU:n on the GPU build where CUDA loads and a GPU is visible, else CPU:0.
 */
export function tensorflowDevices(): TensorflowDevice[] | Error {
  if (found) return found;
  const addon = loadAddon();
  if (addon instanceof Error) return (found = addon);
  const session = new addon.Session(new addon.Graph(), sessionConfig(1));
  try {
    found = session.devices();
  } catch (err) {
    found = err instanceof Error ? err : new Error(String(err));
  } finally {
    session.close();
  }
  return found;
}

/** Where training runs, for params and `anneal doctor`: the GPUs TensorFlow places ops on first, else the CPU. */
export function describeDevices(devices: readonly TensorflowDevice[]): string {
  const short = (d: TensorflowDevice) => d.name.replace(/^.*device:/, '');
  const gpus = devices.filter((d) => d.type === 'GPU');
  if (gpus.length === 0) return devices.map(short).join(', ') || 'no device';
  return gpus.map((d) => `${short(d)} (${(d.memoryBytes / 2 ** 30).toFixed(1)} GiB)`).join(', ');
}

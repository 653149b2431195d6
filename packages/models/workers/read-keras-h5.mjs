// Reads a Keras .h5 model (tf.keras / Keras 2 layout: the `model_config` attribute and `model_weights/<layer>`
// groups) with h5wasm, in a worker thread: h5wasm is an ES module, and the read is CPU work off the main thread.
// Posts { config, layers: [{ name, weights: [{ name, shape, values }] }], sha256 } or { error, kind }.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import h5wasm from 'h5wasm/node';

const str = (v) => (typeof v === 'string' ? v : Array.isArray(v) ? v[0] : new TextDecoder().decode(v));

try {
  await h5wasm.ready;
  const bytes = readFileSync(workerData.path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const file = new h5wasm.File(workerData.path, 'r');
  try {
    const configAttr = file.attrs.model_config;
    if (!configAttr) {
      parentPort.postMessage({ kind: 'source', error: 'no model_config attribute: a weights-only file, or not a Keras model file' });
    } else {
      const root = file.keys().includes('model_weights') ? file.get('model_weights') : file;
      const names = (root.attrs.layer_names?.value ?? []).map(str);
      const layers = names.map((name) => {
        const group = root.get(name);
        const weightNames = (group?.attrs.weight_names?.value ?? []).map(str);
        return { name, weights: weightNames.map((w) => {
          const data = group.get(w);
          return { name: w, shape: data.shape, values: Float32Array.from(data.value) };
        }) };
      });
      parentPort.postMessage({ config: str(configAttr.value), kerasVersion: file.attrs.keras_version ? str(file.attrs.keras_version.value) : undefined, layers, sha256 });
    }
  } finally {
    file.close();
  }
} catch (err) {
  parentPort.postMessage({ kind: 'source', error: `not a readable HDF5 file (${err.message})` });
}

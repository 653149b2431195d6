// Reads Keras weights with h5wasm, in a worker thread: h5wasm is an ES module, and the read is CPU work off the main
// thread. Two layouts:
//   keras2  a tf.keras / Keras 2 .h5 model: the `model_config` attribute and `model_weights/<layer>` groups;
//   keras3  the model.weights.h5 of a Keras 3 .keras archive: `layers/<path>/vars/<i>`, the layer's name in the
//           `name` attribute of `vars` (its path, `dense_1`, where the attribute is absent).
// Posts { config?, layers: [{ name, weights: [{ name, shape, values }] }], sha256 } or { error, kind }.
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
    parentPort.postMessage(workerData.layout === 'keras3' ? { layers: keras3Layers(file), sha256 } : { ...keras2Model(file), sha256 });
  } finally {
    file.close();
  }
} catch (err) {
  parentPort.postMessage({ kind: 'source', error: `not a readable HDF5 file (${err.message})` });
}

function keras2Model(file) {
  const configAttr = file.attrs.model_config;
  if (!configAttr) return { kind: 'source', error: 'no model_config attribute: a weights-only file, or not a Keras model file' };
  const root = file.keys().includes('model_weights') ? file.get('model_weights') : file;
  const names = (root.attrs.layer_names?.value ?? []).map(str);
  const layers = names.map((name) => {
    const group = root.get(name);
    const weightNames = (group?.attrs.weight_names?.value ?? []).map(str);
    return {
      name,
      weights: weightNames.map((w) => {
        const data = group.get(w);
        return { name: w, shape: data.shape, values: Float32Array.from(data.value) };
      }),
    };
  });
  return { config: str(configAttr.value), kerasVersion: file.attrs.keras_version ? str(file.attrs.keras_version.value) : undefined, layers };
}

function keras3Layers(file) {
  const layers = file.get('layers');
  if (!layers) throw new Error('no layers group: not the model.weights.h5 of a Keras 3 archive');
  return layers.keys().map((path) => {
    const group = layers.get(path);
    if (group.keys().includes('layers')) throw new Error(`layer ${path} holds layers of its own (a nested model), which the .keras import does not read`);
    const vars = group.get('vars');
    const name = vars?.attrs.name ? str(vars.attrs.name.value) : path;
    const keys = (vars?.keys() ?? []).sort((a, b) => Number(a) - Number(b));
    return {
      name,
      path,
      weights: keys.map((k) => {
        const data = vars.get(k);
        return { name: `${path}/vars/${k}`, shape: data.shape, values: Float32Array.from(data.value) };
      }),
    };
  });
}

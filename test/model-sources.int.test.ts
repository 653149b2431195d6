import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { FineTuneSpecInput } from '@anneal/contracts';
import { modelSources, serializeModel, type SourceContext } from '@anneal/models';
import { toActivityFailure } from '@anneal/tracking';
import type { FineTuneResult } from '@anneal/workflows';
import { REPO_ROOT, connectHarness, param, runsByName, tag, type Harness } from './integration/harness';

// A model that is not Anneal's, on the real MLflow server: read from a run's artifacts and from the registry, then
// fine-tuned by the fineTune pipeline with a new head at its cut.
jest.setTimeout(300_000);

let h: Harness;
const suffix = randomUUID().slice(0, 6);
let runUri = '';

/** Input 784 (a digit), two feature layers, its own 3-class classifier. */
function foreignModel(): tf.LayersModel {
  const input = tf.input({ shape: [784], name: 'pixels' });
  const f1 = tf.layers.dense({ units: 32, activation: 'relu', name: 'features_1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input);
  const f2 = tf.layers.dense({ units: 16, activation: 'relu', name: 'features_2', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(f1);
  const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'predictions' }).apply(f2) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'foreign' });
}

beforeAll(async () => {
  h = await connectHarness();
  // A user's model folder in a run of their own, and registered from there (not by Anneal: no anneal.modelRef tag).
  const experimentId = await h.mlflow.getOrCreateExperiment(`user-models-${suffix}`);
  const run = await h.mlflow.createRun({ experimentId, runName: 'user upload' });
  const model = foreignModel();
  for (const file of await serializeModel(model)) await h.mlflow.uploadArtifact(`${run.info.artifact_uri}/model/${file.name}`, file.bytes);
  model.dispose();
  runUri = `runs:/${run.info.run_id}/model`;
  await h.mlflow.createRegisteredModel(`user-model-${suffix}`);
  const version = await h.mlflow.createModelVersion({ name: `user-model-${suffix}`, source: `${run.info.artifact_uri}/model`, runId: run.info.run_id });
  await h.mlflow.setAlias({ name: `user-model-${suffix}`, alias: 'prod', version: version.version });
});
afterAll(async () => h?.close());

function ctx(): SourceContext {
  return { mlflow: h.mlflow, artifacts: h.artifacts, dataRoots: [], downloadDir: h.stack.home, task: { inputShape: [784], numClasses: 5 } };
}

it('reads a model folder from a run, and a registered version by number and by alias', async () => {
  for (const uri of [runUri, `models:/user-model-${suffix}/1`, `models:/user-model-${suffix}@prod`]) {
    const loaded = await modelSources.mlflow.load({ kind: 'mlflow', uri, input: { range: 'unit' }, weights: 'pretrained' }, ctx());
    if (!('model' in loaded)) throw new Error(`${uri}: expected a model read from its folder`);
    expect(loaded.model.layers.map((l) => l.name)).toEqual(['pixels', 'features_1', 'features_2', 'predictions']);
    loaded.model.dispose();
  }
});

it('names what is missing: a folder without model.json, an unknown version, an unknown run', async () => {
  const failure = async (uri: string) =>
    toActivityFailure(
      await modelSources.mlflow.load({ kind: 'mlflow', uri, input: { range: 'unit' }, weights: 'pretrained' }, ctx()).then(
        () => undefined,
        (e: unknown) => e,
      ),
    ) as { type: string; message: string; nonRetryable: boolean };
  expect(await failure(runUri.replace(/model$/, 'nothing'))).toMatchObject({
    type: 'ModelSourceError',
    nonRetryable: true,
    message: expect.stringMatching(/no model\.json in mlflow-artifacts:/),
  });
  expect(await failure(`models:/user-model-${suffix}/99`)).toMatchObject({
    type: 'ModelNotFoundError',
    nonRetryable: true,
    message: `models:/user-model-${suffix}/99: no such registered model version`,
  });
  expect(await failure('runs:/0123456789abcdef0123456789abcdef/model')).toMatchObject({
    type: 'ModelSourceError',
    message: expect.stringMatching(/no run 0123456789abcdef0123456789abcdef on the tracking server/),
  });
});

it('fine-tunes the imported model in the pipeline: a new head at its cut, its base frozen by feature extraction', async () => {
  const name = `foreign-${suffix}`;
  const spec: FineTuneSpecInput = {
    name,
    dataset: { name: 'mnist-5-9', source: { kind: 'mnist', digits: [5, 6, 7, 8, 9], perClass: 40 }, minPerClass: 20 },
    split: { validation: 0.25, test: 0.25, seed: 3 },
    model: { candidates: [{ kind: 'mlflow', uri: `models:/user-model-${suffix}@prod` }], probeEpochs: 1 },
    tuning: { trials: 2, seed: 2, strategies: ['feature-extraction'], epochs: [2], batchSize: 32 },
    register: { name, alias: 'champion' },
  };
  const result = await h.withWorker(
    () => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: `fineTune-${name}`, args: [spec] }) as Promise<FineTuneResult>,
  );
  expect(result.selectedModel).toBe(`mlflow:models:/user-model-${suffix}@prod`);
  expect(result.trials).toHaveLength(2);
  const runs = await runsByName(h.mlflow, result.experimentId);
  const prepare = runs.get(`prepare mlflow:models:/user-model-${suffix}@prod`)!;
  expect(param(prepare, 'model.cut')).toBe('features_2');
  const fineTune = [...runs.values()].find((r) => r.info.run_name?.startsWith('fine-tune trial 0'))!;
  expect(param(fineTune, 'engine')).toBe('graph');
  // Feature extraction: only the new head learns (16 features x 5 classes + 5 biases).
  const trainable = await h.mlflow.getMetricHistory(fineTune.info.run_id, 'trainable_params');
  expect(trainable[0]!.value).toBe(16 * 5 + 5);
  expect(tag(fineTune, 'anneal.model.digest')).toMatch(/^[0-9a-f]{64}$/);
  // The frozen base ran once, in the probe; the trials trained their heads on its cached outputs.
  const probe = [...runs.values()].find((r) => r.info.run_name?.startsWith('fine-tune probe'))!;
  expect(tag(probe, 'anneal.features')).toBe('computed at features_2');
  const trials = [...runs.values()].filter((r) => r.info.run_name?.startsWith('fine-tune trial'));
  expect(trials.map((r) => tag(r, 'anneal.features'))).toEqual(['cached at features_2', 'cached at features_2']);
  expect(result.registered.version).toBe('1');
});

it('anneal model inspect describes a model source, and exits 2 with one line for a bad one', async () => {
  const run = async (...args: string[]) =>
    promisify(execFile)(process.execPath, [`${REPO_ROOT}/packages/cli/bin/anneal.js`, 'model', 'inspect', ...args], {
      env: { ...process.env, MLFLOW_TRACKING_URI: h.stack.mlflowUri, ANNEAL_HOME: `${h.stack.home}/cli` },
    }).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const json = await run(`models:/user-model-${suffix}@prod`, '--json');
  expect(json.code).toBe(0);
  const described = JSON.parse(json.stdout) as {
    inputShape: number[];
    cut: string;
    params: { trainable: number };
    graphEngine: string;
    sha256: string;
    layers: { name: string; params: number }[];
  };
  expect(described).toMatchObject({
    inputShape: [784],
    cut: 'features_2',
    params: { trainable: 784 * 32 + 32 + 32 * 16 + 16 + 16 * 3 + 3 },
    graphEngine: 'trains every layer',
  });
  expect(described.layers.map((l) => l.name)).toEqual(['pixels', 'features_1', 'features_2', 'predictions']);
  expect(described.sha256).toMatch(/^[0-9a-f]{64}$/);
  const text = await run(runUri, '--cut', 'features_1');
  expect(text.stdout).toContain('suggested cut: features_1');
  const bad = await run(runUri, '--cut', 'block_1');
  expect(bad.code).toBe(2);
  expect(
    bad.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('anneal: ')),
  ).toEqual(['anneal: cutAt: the model has no layer "block_1"; its layers are: pixels, features_1, features_2, predictions']);
});

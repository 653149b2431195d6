import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { FineTuneSpecInput } from '@anneal/contracts';
import { loadModel } from '@anneal/models';
import type { FineTuneResult } from '@anneal/workflows';
import { REPO_ROOT, connectHarness, param, runsByName, tag, type Harness } from './integration/harness';

// A real pre-trained base that a registry package ships: nsfwjs's Keras-trained MobileNetV2 (quantized weights,
// 98 layers non-trainable in the source, L2 on its dense layers), cut at its last backbone activation, given a new
// head, and fine-tuned on real digits with every strategy, on the graph engine.
jest.setTimeout(600_000);

let h: Harness;
let folder = '';
beforeAll(async () => {
  h = await connectHarness();
  // The project's own import step, as a user runs it.
  folder = join(h.stack.home, 'models', 'nsfwjs-mobilenet-v2');
  await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'deploy', 'models', 'nsfwjs-mobilenet-v2.mjs'), folder]);
});
afterAll(async () => h?.close());

it('fine-tunes MobileNetV2 from nsfwjs with feature extraction, partial, full and two-phase', async () => {
  const name = `mobilenet-${randomUUID().slice(0, 6)}`;
  const spec: FineTuneSpecInput = {
    name,
    dataset: { name: 'mnist-5-9', source: { kind: 'mnist', digits: [5, 6, 7, 8, 9], perClass: 40 }, minPerClass: 20 },
    split: { validation: 0.2, test: 0.2, seed: 4 },
    // Digits are 28x28 grey: upsampled x2 to 56x56 and repeated to RGB inside the model; MobileNetV2 runs at 56x56.
    model: {
      candidates: [
        { kind: 'file', path: folder, cutAt: 'out_relu', input: { size: 56 } },
        { kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [32] } },
      ],
      select: 'all',
    },
    tuning: {
      trials: 4,
      seed: 3,
      strategies: ['feature-extraction', 'partial', 'full', 'two-phase'],
      epochs: [8],
      batchSize: 16,
      patience: 8,
      learningRate: { min: 5e-3, max: 5e-3 },
      unfreeze: { topLayers: 3 },
      twoPhase: { headEpochs: 5, learningRateFactor: 0.1 },
    },
    register: { name, alias: 'champion' },
  };
  const result = await h.withWorker(
    () => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: `fineTune-${name}`, args: [spec] }) as Promise<FineTuneResult>,
    ['cpu', 'gpu'],
    { dataRoots: [h.stack.home] },
  );
  expect(result.failedTrials).toEqual([]);
  // select all: every candidate has the whole search; the table compares them arm by arm.
  expect(result.trials.map((t) => t.strategy)).toEqual(['feature-extraction', 'partial', 'full', 'two-phase', 'full', 'full', 'full', 'full']);
  expect(result.arms.map((a) => a.arm)).toEqual(
    ['feature-extraction', 'partial', 'full', 'two-phase'].map((s) => `pretrained file:nsfwjs-mobilenet-v2 ${s}`).concat('scratch scratch-mlp-32 full'),
  );
  const runs = await runsByName(h.mlflow, result.experimentId);
  const prepare = [...runs.values()].find((r) => r.info.run_name?.startsWith('prepare file:'))!;
  expect(param(prepare, 'model.cut')).toBe('out_relu');
  expect(param(prepare, 'model.input_contract')).toBe('rows [784] -> 28x28x1 -> x2 upsampled to 56x56 -> grey as RGB');
  const trials = [...runs.values()].filter((r) => r.info.run_name?.startsWith('fine-tune trial') && r.info.run_name.includes('file:'));
  expect(trials.map((r) => param(r, 'engine'))).toEqual(['graph', 'graph', 'graph', 'graph']);
  const trainable = async (strategy: string) => {
    const run = trials.find((r) => param(r, 'strategy') === strategy)!;
    return (await h.mlflow.getMetricHistory(run.info.run_id, 'trainable_params')).map((m) => m.value);
  };
  // Feature extraction trains the new head alone (1280 features x 5 classes + 5); full trains the whole base.
  expect(await trainable('feature-extraction')).toEqual([1280 * 5 + 5]);
  expect((await trainable('full'))[0]).toBeGreaterThan(2_000_000);
  const partial = (await trainable('partial'))[0]!;
  expect(partial).toBeGreaterThan(1280 * 5 + 5);
  expect(partial).toBeLessThan(1_000_000);
  // Two-phase: the head, then the top layers opened at a tenth of the rate.
  expect(await trainable('two-phase')).toEqual([1280 * 5 + 5, partial]);
  expect(
    tag(
      trials.find((r) => param(r, 'strategy') === 'feature-extraction')!,
      'anneal.features',
    ),
  ).toMatch(/^(computed|cached) at /);
  process.stderr.write(
    `mobilenet-v2 (nsfwjs): ${result.arms.map((a) => `${a.arm} val ${(a.validation.accuracy * 100).toFixed(1)}% test ${(a.test.accuracy * 100).toFixed(1)}%`).join('; ')}\n`,
  );
  // The trained model carries its input layers: tfjs's own loader takes it, and it scores raw 784-value rows.
  const fe = trials.find((r) => param(r, 'strategy') === 'feature-extraction')!;
  const registered = await loadModel(h.artifacts, {
    uri: `${fe.info.artifact_uri}/model`,
    digest: tag(fe, 'anneal.model.digest')!,
    name,
    inputShape: [784],
    baseLayers: 0,
  });
  expect(registered.layers.slice(1, 4).map((l) => l.getClassName())).toEqual(['Reshape', 'UpSampling2D', 'Concatenate']);
  const rows = tf.randomUniform([3, 784], 0, 1, 'float32', 1);
  const probabilities = registered.predict(rows) as tf.Tensor;
  expect(probabilities.shape).toEqual([3, 5]);
  for (const sum of (await probabilities.sum(1).array()) as number[]) expect(sum).toBeCloseTo(1, 5);
  tf.dispose([rows, probabilities]);
  registered.dispose();
  // The pre-trained features carry the task: well above chance (0.2) from 120 digits, with the head alone.
  expect(result.arms.find((a) => a.arm.endsWith('feature-extraction'))!.validation.accuracy).toBeGreaterThan(0.4);
});

// A frozen TF.js GraphModel from the same package: TF Hub's MobileNetV2 image feature vector (1792 features) with
// nsfwjs's head, as a feature extractor with a new head; its features are computed once and reused.
it('fine-tunes a new head on TF Hub MobileNetV2 feature vectors (a frozen GraphModel from nsfwjs)', async () => {
  const graphFolder = join(h.stack.home, 'models', 'nsfwjs-mobilenet-v2-mid');
  await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'deploy', 'models', 'nsfwjs-mobilenet-v2.mjs'), graphFolder, 'mobilenet_v2_mid']);
  const name = `hub-vector-${randomUUID().slice(0, 6)}`;
  const spec: FineTuneSpecInput = {
    name,
    dataset: { name: 'mnist-5-9-graph', source: { kind: 'mnist', digits: [5, 6, 7, 8, 9], perClass: 40 }, minPerClass: 20 },
    split: { validation: 0.2, test: 0.2, seed: 4 },
    model: { candidates: [{ kind: 'graph', path: graphFolder }] },
    tuning: { trials: 2, seed: 3, strategies: ['feature-extraction'], epochs: [20], batchSize: 16, patience: 20, learningRate: { min: 3e-3, max: 1e-2 } },
    register: { name, alias: 'champion' },
  };
  const result = await h.withWorker(
    () => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: `fineTune-${name}`, args: [spec] }) as Promise<FineTuneResult>,
    ['cpu', 'gpu'],
    { dataRoots: [h.stack.home] },
  );
  expect(result.failedTrials).toEqual([]);
  const runs = await runsByName(h.mlflow, result.experimentId);
  const prepare = [...runs.values()].find((r) => r.info.run_name?.startsWith('prepare graph:'))!;
  expect(param(prepare, 'model.cut')).toBe('graph_features');
  expect(param(prepare, 'model.input_contract')).toBe('rows [784] -> 28x28x1 -> x8 upsampled to 224x224 -> grey as RGB');
  const trials = [...runs.values()].filter((r) => r.info.run_name?.startsWith('fine-tune trial'));
  expect(trials).toHaveLength(2);
  // The head alone learns (1792 features x 5 classes + 5), on features the graph computed once (in the probe).
  for (const t of trials) expect((await h.mlflow.getMetricHistory(t.info.run_id, 'trainable_params')).map((m) => m.value)).toEqual([1792 * 5 + 5]);
  const features = [...runs.values()].map((r) => tag(r, 'anneal.features')?.split(' ')[0]).filter((f) => f !== undefined);
  expect(features.sort()).toEqual(['cached', 'cached', 'computed']);
  // A trained model is a LayersModel whose first layers run the graph: loaded with its graph, it scores raw rows.
  const trained = trials[0]!;
  const model = await loadModel(h.artifacts, {
    uri: `${trained.info.artifact_uri}/model`,
    digest: tag(trained, 'anneal.model.digest')!,
    name,
    inputShape: [784],
    baseLayers: 0,
  });
  expect(model.layers.map((l) => l.getClassName())).toContain('AnnealGraphFeatures');
  const rows = tf.randomUniform([2, 784], 0, 1, 'float32', 2);
  const probabilities = model.predict(rows) as tf.Tensor;
  expect(probabilities.shape).toEqual([2, 5]);
  tf.dispose([rows, probabilities]);
  model.dispose();
  process.stderr.write(
    `hub feature vector (graph): ${result.arms.map((a) => `${a.arm} val ${(a.validation.accuracy * 100).toFixed(1)}% test ${(a.test.accuracy * 100).toFixed(1)}%`).join('; ')}\n`,
  );
  // Features of a net trained on photos still carry the digits: well above chance (0.2) with the head alone.
  expect(result.arms.find((a) => a.champion)!.test.accuracy).toBeGreaterThan(0.4);
});

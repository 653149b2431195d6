import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { MockActivityEnvironment, defaultActivityInfo } from '@temporalio/testing';
import { type FineTuneInput, type FineTuneOutput, type In } from '@anneal/contracts';
import { storeDataset, type Dataset } from '@anneal/dataset';
import { buildClassifier, resolveBackend, storeModel } from '@anneal/models';
import { ArtifactStore, MlflowClient } from '@anneal/tracking';
import { readStackEnv } from '../../../test/integration/stack-env';
import { createTrainActivities } from './train-activities';

jest.setTimeout(120_000);
const stack = readStackEnv();
const mlflow = new MlflowClient({ trackingUri: stack.mlflowUri });
const artifacts = new ArtifactStore({ client: mlflow, cacheDir: mkdtempSync(join(tmpdir(), 'anneal-cache-')) });
const activities = createTrainActivities({ mlflow, artifacts, backend: 'auto' });

/** 8x8 "images": class a is bright on the left half, b on the right, with noise. */
function images(name: string, n: number, seed: number): Dataset {
  let s = seed;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const features = new Float32Array(n * 64);
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const left = i % 2 === 0;
    for (let p = 0; p < 64; p++) features[i * 64 + p] = Math.min(1, (p % 8 < 4 === left ? 0.7 : 0.1) + 0.3 * rand());
    labels.push(left ? 'a' : 'b');
  }
  return { name, featureShape: [64], classes: ['a', 'b'], features, labels };
}

it('two-phase fine-tuning trains the head, then the base at a lower rate, with seeded augmentation, all in MLflow', async () => {
  await resolveBackend('auto');
  const experimentId = await mlflow.getOrCreateExperiment(`two-phase-${randomUUID()}`);
  const parent = await mlflow.createRun({ experimentId, runName: 'pipeline' });
  const holder = await mlflow.createRun({ experimentId, runName: 'inputs' });
  const root = holder.info.artifact_uri;
  const base = buildClassifier({ inputShape: [64], architecture: { kind: 'mlp', hiddenUnits: [16], dropout: 0 }, numClasses: 3, seed: 4 });
  const model = await storeModel(artifacts, { uri: `${root}/base`, model: base, name: 'toy-base', baseLayers: 1 });
  base.dispose();
  const [train, validation] = await Promise.all([
    storeDataset(artifacts, `${root}/train`, images('train', 96, 1)),
    storeDataset(artifacts, `${root}/val`, images('val', 48, 2)),
  ]);
  const input: In<typeof FineTuneInput> = {
    tracking: { experimentId, parentRunId: parent.info.run_id },
    runName: 'two-phase',
    model,
    train,
    validation,
    backend: 'auto',
    outputName: 'toy',
    hyperparameters: {
      learningRate: 0.01,
      epochs: 5,
      batchSize: 16,
      strategy: 'two-phase',
      patience: 10,
      monitor: 'val_accuracy',
      twoPhase: { headEpochs: 2, learningRateFactor: 0.1 },
      augmentation: { shift: 1, noise: 0.05, seed: 3 },
    },
  };
  const info = {
    ...defaultActivityInfo,
    activityId: '1',
    activityType: 'fineTune',
    workflowExecution: { workflowId: `wf-${randomUUID()}`, runId: randomUUID() },
  };
  const env = new MockActivityEnvironment(info);
  const checkpoints = new Map<number, unknown>();
  env.on('heartbeat', (d: { checkpoint?: { epoch: number } }) => d.checkpoint && checkpoints.set(d.checkpoint.epoch, d.checkpoint));
  const before = tf.memory().numTensors;
  const result = (await env.run(activities.fineTune, input)) as FineTuneOutput;
  expect(tf.memory().numTensors).toBe(before);
  expect(result.epochsRun).toBe(5);
  expect(result.bestValAccuracy).toBeGreaterThan(0.9);
  expect(result.engine).toBe('graph'); // auto, on the native backend deploy/native builds

  const history = async (key: string) => (await mlflow.getMetricHistory(result.runId, key)).sort((a, b) => a.step - b.step).map((m) => m.value);
  expect(await history('phase')).toEqual([1, 1, 2, 2, 2]);
  const rates = await history('learning_rate');
  expect(rates.map((r) => Number(r.toPrecision(6)))).toEqual([0.01, 0.01, 0.001, 0.001, 0.001]);
  const trainable = await history('trainable_params');
  expect(trainable).toHaveLength(2);
  expect(trainable[1]).toBeGreaterThan(trainable[0] as number); // the base joined in phase 2
  const run = await mlflow.getRun(result.runId);
  const param = (k: string) => run.data.params.find((p) => p.key === k)?.value;
  expect(param('strategy')).toBe('two-phase');
  expect(param('monitor')).toBe('val_accuracy');
  expect(param('engine')).toBe('graph');
  expect(JSON.parse(param('two_phase') ?? '[]')).toEqual([
    { epochs: '0-1', strategy: 'feature-extraction', lr_factor: 1 },
    { epochs: '2-4', strategy: 'full', lr_factor: 0.1 },
  ]);
  expect(JSON.parse(param('augmentation') ?? '{}')).toMatchObject({ shift: 1, noise: 0.05, seed: 3 });

  // A retry resumes in the right phase: from the head phase's last checkpoint (the base opens with a fresh
  // optimizer) and from inside the second phase (its optimizer state restored).
  // (Inside the phase first: a retry from epoch 1 rewrites the later checkpoints, as a real retry would.)
  for (const epoch of [3, 1]) {
    const retry = new MockActivityEnvironment({ ...info, attempt: 2, heartbeatDetails: { checkpoint: checkpoints.get(epoch) } });
    const resumed = (await retry.run(activities.fineTune, input)) as FineTuneOutput;
    expect(resumed).toMatchObject({ startEpoch: epoch + 1, epochsRun: 5, runId: result.runId });
    expect(resumed.bestValAccuracy).toBeGreaterThan(0.9);
  }
  expect(tf.memory().numTensors).toBe(before);
});

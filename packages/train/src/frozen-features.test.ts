import * as tf from '@tensorflow/tfjs';
import { buildClassifier, resolveBackend } from '@anneal/models';
import type { ArtifactStore, MlflowClient } from '@anneal/tracking';
import { disposeWithBase, withNewHead } from './apply-strategy';
import { fitClassifier } from './fit-classifier';
import { FeatureCache, headOnFrozenFeatures, splitFrozenBase } from './frozen-features';

beforeAll(async () => {
  await resolveBackend('wasm');
});

const mlpBase = () => buildClassifier({ inputShape: [6], architecture: { kind: 'mlp', hiddenUnits: [16, 8], dropout: 0 }, numClasses: 3, seed: 3 });

/** A tracking server in memory: runs with tags, artifacts by URI. */
function memoryTracking() {
  const runs: { id: string; tags: Record<string, string>; status: string }[] = [];
  const stored = new Map<string, Map<string, Uint8Array>>();
  const mlflow = {
    getOrCreateExperiment: async () => '1',
    async searchRuns(o: { filter: string }) {
      const key = /= '([0-9a-f]+)'/.exec(o.filter)?.[1];
      return runs
        .filter((r) => r.status === 'FINISHED' && r.tags['anneal.features.key'] === key)
        .map((r) => ({ data: { tags: Object.entries(r.tags).map(([k, value]) => ({ key: k, value })) } }));
    },
    async createRun(o: { tags: Record<string, string> }) {
      const run = { id: String(runs.length), tags: { ...o.tags }, status: 'RUNNING' };
      runs.push(run);
      return { info: { run_id: run.id, artifact_uri: `mem:/${run.id}` } };
    },
    async logBatch(id: string, b: { tags: { key: string; value: string }[] }) {
      for (const t of b.tags) runs[Number(id)]!.tags[t.key] = t.value;
    },
    async updateRun(o: { runId: string; status: string }) {
      runs[Number(o.runId)]!.status = o.status;
    },
  } as unknown as MlflowClient;
  const artifacts = {
    async put(uri: string, files: { name: string; bytes: Uint8Array }[]) {
      stored.set(uri, new Map(files.map((f) => [f.name, new Uint8Array(f.bytes)])));
      return { uri, digest: 'a'.repeat(64) };
    },
    async get(ref: { uri: string }) {
      return stored.get(ref.uri)!;
    },
  } as unknown as ArtifactStore;
  return { mlflow, artifacts, runs };
}

describe('splitFrozenBase', () => {
  it('cuts a feature-extraction model after its frozen base; base then head computes what the model does', () => {
    const base = mlpBase();
    const model = withNewHead(base, { numClasses: 2, strategy: 'feature-extraction', seed: 1 });
    const split = splitFrozenBase(model);
    if ('reason' in split) throw new Error(split.reason);
    expect(split.featureLayer).toBe('base_dense_2');
    expect(split.head.layers.map((l) => l.name)).toEqual(['frozen_features', 'head']);
    const x = tf.randomUniform([5, 6], 0, 1, 'float32', 2);
    const direct = model.predict(x) as tf.Tensor;
    const features = split.extractor.predict(x) as tf.Tensor;
    const twoStep = split.head.predict(features) as tf.Tensor;
    expect(Array.from(twoStep.dataSync())).toEqual(Array.from(direct.dataSync()));
    tf.dispose([x, direct, features, twoStep]);
    disposeWithBase(model, base);
  });

  it('cuts an imported model after its cut and the pooling the new head needs', () => {
    const input = tf.input({ shape: [8, 8, 1] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, name: 'conv' }).apply(input);
    const out = tf.layers
      .dense({ units: 4, activation: 'softmax', name: 'old_classifier' })
      .apply(tf.layers.flatten({ name: 'flat' }).apply(conv)) as tf.SymbolicTensor;
    const base = tf.model({ inputs: input, outputs: out });
    const model = withNewHead(base, { numClasses: 2, strategy: 'feature-extraction', cut: 'conv', seed: 1 });
    const split = splitFrozenBase(model);
    if ('reason' in split) throw new Error(split.reason);
    // The frozen prefix runs on through the weightless pooling: the cached features are the pooled ones.
    expect(split.featureLayer).toBe('head_pool');
    expect(split.head.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Dense']);
    disposeWithBase(model, base);
  });

  it('says why there is nothing to cache when every layer learns', () => {
    const base = mlpBase();
    const model = withNewHead(base, { numClasses: 2, strategy: 'full', seed: 1 });
    expect(splitFrozenBase(model)).toEqual({ reason: 'no frozen layer with weights before the first one that learns' });
    disposeWithBase(model, base);
  });

  it('does not cache a frozen embedding whose output is many times its input (a learning convolution after it)', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 50, outputDim: 16, inputShape: [10], trainable: false }),
        tf.layers.conv1d({ filters: 4, kernelSize: 3 }),
        tf.layers.globalMaxPooling1d({}),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    expect(splitFrozenBase(model)).toEqual({ reason: "the frozen base's output (160 values a row) is over 8 times its input (10): cheaper to recompute" });
    model.dispose();
  });
});

describe('head on frozen features', () => {
  const toy = (n: number, seed: number) => ({
    x: tf.randomUniform([n, 6], 0, 1, 'float32', seed),
    y: tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: n }, (_, i) => i % 2),
          'int32',
        ),
        2,
      )
      .toFloat(),
  });

  it('computes the features once per base and dataset, then reads them; trains the head as through the base', async () => {
    const tracking = memoryTracking();
    const cache = new FeatureCache(tracking);
    const [train, val] = [toy(40, 1), toy(20, 2)];
    const graph = { threads: 1, labelSmoothing: 0, seed: 1 };
    const fit = async (onFeatures: boolean) => {
      const base = mlpBase();
      const model = withNewHead(base, { numClasses: 2, strategy: 'feature-extraction', seed: 1 });
      const sets = { baseDigest: 'b'.repeat(64), train: { digest: 'd1', name: 'train', x: train.x }, validation: { digest: 'd2', name: 'val', x: val.x } };
      const frozen = onFeatures ? await headOnFrozenFeatures({ model, cache, ...sets }) : undefined;
      if (frozen && 'reason' in frozen) throw new Error(frozen.reason);
      const learner = frozen?.head ?? model;
      learner.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const result = await fitClassifier(learner, frozen?.train ?? train.x, train.y, {
        graph,
        epochs: 3,
        batchSize: 8,
        patience: 10,
        validation: { x: frozen?.validation ?? val.x, y: val.y },
      });
      const head = Array.from(model.getLayer('head').getWeights()[0]!.dataSync());
      tf.dispose(frozen ? [frozen.train, frozen.validation] : []);
      disposeWithBase(model, base);
      return { result, head, note: frozen?.note };
    };
    const through = await fit(false);
    const first = await fit(true);
    const second = await fit(true);
    expect(first.note).toBe('computed at base_dense_2');
    expect(second.note).toBe('cached at base_dense_2');
    expect(tracking.runs.filter((r) => r.status === 'FINISHED')).toHaveLength(2); // train and validation, once each
    for (const run of [first, second]) {
      expect(run.result.bestValLoss).toBeCloseTo(through.result.bestValLoss, 5);
      run.head.forEach((w, i) => expect(w).toBeCloseTo(through.head[i]!, 5));
    }
    tf.dispose([train.x, train.y, val.x, val.y]);
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ErrorType, ModelCandidate } from '@anneal/contracts';
import { toActivityFailure, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { GraphFeatures } from '../graph-features';
import { deserializeModel, serializeModel } from '../model-io';
import type { SourceContext } from './model-source';
import { graphSource } from './graph-source';

const root = mkdtempSync(join(tmpdir(), 'graph-source-'));
const ctx: SourceContext = {
  mlflow: {} as MlflowClient,
  artifacts: {} as ArtifactStore,
  dataRoots: [root],
  downloadDir: root,
  task: { inputShape: [4], numClasses: 2 },
};
afterAll(() => rmSync(root, { recursive: true, force: true }));

const W1 = [
  [1, 0, -1],
  [0, 1, 0],
  [1, 1, 1],
  [0, 0, 2],
];
const W2 = [
  [1, -1],
  [0, 1],
  [2, 0],
];
const f32 = (shape: number[]) => ({ dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: shape.map((size) => ({ size: String(size) })) } } });
const konst = (name: string, shape: number[]) => ({
  name,
  op: 'Const',
  attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: shape.map((size) => ({ size: String(size) })) } } } },
});
const matmul = (name: string, a: string, b: string) => ({
  name,
  op: 'MatMul',
  input: [a, b],
  attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } },
});

/**
 * A small frozen graph as tfjs's converter writes one: x[4] -> relu(x W1) -> softmax(h W2), with node names of the
 * converter's kind (slashes, underscores), which tfjs's config loading would otherwise camel-case.
 */
function writeGraph(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const node = [
    { name: 'x', op: 'Placeholder', attr: f32([-1, 4]) },
    konst('w1', [4, 3]),
    konst('w2', [3, 2]),
    matmul('h', 'x', 'w1'),
    { name: 'feature_vector/relu_out', op: 'Relu', input: ['h'], attr: { T: { type: 'DT_FLOAT' } } },
    matmul('head/logits_out', 'feature_vector/relu_out', 'w2'),
    { name: 'probabilities', op: 'Softmax', input: ['head/logits_out'], attr: { T: { type: 'DT_FLOAT' } } },
  ];
  const weights = [
    { name: 'w1', shape: [4, 3], dtype: 'float32' },
    { name: 'w2', shape: [3, 2], dtype: 'float32' },
  ];
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      generatedBy: 'test',
      convertedBy: 'test',
      modelTopology: { node, versions: { producer: 1 } },
      weightsManifest: [{ paths: ['weights.bin'], weights }],
    }),
  );
  writeFileSync(join(dir, 'weights.bin'), Buffer.from(new Float32Array([...W1.flat(), ...W2.flat()]).buffer));
}

const load = (value: unknown) => graphSource.load(ModelCandidate.parse(value) as Parameters<typeof graphSource.load>[0], ctx);

describe('graph model source', () => {
  beforeAll(() => writeGraph(join(root, 'tiny')));

  it('wraps the graph as one frozen layer whose output is the node that feeds its last matmul', async () => {
    const loaded = await load({ kind: 'graph', path: join(root, 'tiny') });
    if (!('model' in loaded)) throw new Error('expected a model');
    expect(loaded.cut).toBe('graph_features');
    expect(loaded.model.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'AnnealGraphFeatures']);
    expect(loaded.model.trainableWeights).toEqual([]);
    const x = tf.tensor2d([
      [1, 2, 3, 4],
      [-1, 0, 0, 0],
    ]);
    const features = loaded.model.predict(x) as tf.Tensor;
    // relu(x W1): [1+3, 2+3, -1+3+8] and [-1, 0, 1] -> [0, 0, 1].
    expect(await features.array()).toEqual([
      [4, 5, 10],
      [0, 0, 1],
    ]);
    tf.dispose([x, features]);
  });

  it('saves as a LayersModel whose layer names the graph, and loads back once the graph is known', async () => {
    const loaded = await load({ kind: 'graph', path: join(root, 'tiny'), cutAt: 'head/logits_out' });
    if (!('model' in loaded)) throw new Error('expected a model');
    const files = await serializeModel(loaded.model);
    const json = files[0];
    const layer = (
      JSON.parse(Buffer.from(json!.bytes).toString()) as { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } }
    ).modelTopology.config.layers[1]!;
    expect(layer.class_name).toBe(GraphFeatures.className);
    expect(layer.config).toMatchObject({
      graph_node: { name: 'head/logits_out' },
      image_shape: [4],
      feature_shape: [2],
      graph_artifact: { digest: loaded.sha256 },
    });
    // The graph is already registered under its digest in this process: the saved model loads and gives the same.
    const back = await deserializeModel(new Map(files.map((f) => [f.name, f.bytes])));
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    const [a, b] = [loaded.model.predict(x) as tf.Tensor, back.predict(x) as tf.Tensor];
    expect(await b.array()).toEqual(await a.array());
    expect(await a.array()).toEqual([[4 + 20, -4 + 5]]);
    tf.dispose([x, a, b]);
  });

  it('bad input names the problem', async () => {
    const failure = async (value: unknown) =>
      toActivityFailure(
        await load(value).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ) as { type?: string; nonRetryable?: boolean; message: string };
    const missing = await failure({ kind: 'graph', path: join(root, 'tiny'), cutAt: 'block_9' });
    expect(missing).toMatchObject({ type: ErrorType.ModelIncompatible, nonRetryable: true });
    expect(missing.message).toContain(
      'has no graph node "block_9"; its last nodes are: x (Placeholder), h (MatMul), feature_vector/relu_out (Relu), head/logits_out (MatMul), probabilities (Softmax)',
    );
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] });
    const files = await serializeModel(model);
    mkdirSync(join(root, 'layers'));
    for (const f of files) writeFileSync(join(root, 'layers', f.name), f.bytes);
    const layers = await failure({ kind: 'graph', path: join(root, 'layers') });
    expect(layers).toMatchObject({ type: ErrorType.ModelSource, nonRetryable: true });
    expect(layers.message).toContain('model.json is not a TF.js GraphModel (no graph nodes in modelTopology): use kind "file" for a LayersModel');
  });
});

it('a fixed-size graph names the size the input contract must bring the images to', async () => {
  const input = tf.input({ shape: [8, 8, 3] });
  const layer = new GraphFeatures({
    name: 'graph_features',
    graph: { uri: 'memory:x', digest: 'a'.repeat(64) },
    node: 'n',
    imageShape: [4, 4, 3],
    featureShape: [2],
  });
  expect(() => layer.apply(input)).toThrow('layer graph_features: the graph takes images of 4x4x3, not 8x8x3; set input.size to 4');
});

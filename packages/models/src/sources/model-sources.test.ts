import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ErrorType, ModelCandidate, TransientErrorType } from '@anneal/contracts';
import type { ArtifactStore, MlflowClient } from '@anneal/tracking';
import { toActivityFailure } from '@anneal/tracking';
import { chooseCut } from '../base-cut';
import { serializeModel } from '../model-io';
import { modelSources, type SourceContext } from './index';

/** A model that is not Anneal's: its own layer names, a classifier on top. */
function foreignModel(): tf.LayersModel {
  const input = tf.input({ shape: [12], name: 'pixels' });
  const f1 = tf.layers.dense({ units: 16, activation: 'relu', name: 'features_1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input);
  const f2 = tf.layers.dense({ units: 8, activation: 'relu', name: 'features_2', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(f1);
  const out = tf.layers
    .dense({ units: 3, activation: 'softmax', name: 'predictions', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
    .apply(f2) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'foreign' });
}

/** Writes a model the way tfjs's converter does: model.json and its weights cut into `shards` files. */
async function writeModelFolder(dir: string, model: tf.LayersModel, shards = 2): Promise<{ files: string[]; sha256: string }> {
  mkdirSync(dir, { recursive: true });
  const [json, bin] = await serializeModel(model);
  const parsed = JSON.parse(Buffer.from(json!.bytes).toString()) as { weightsManifest: { paths: string[] }[] };
  const cut = Math.ceil(bin!.bytes.byteLength / shards);
  const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
  parsed.weightsManifest[0]!.paths = paths;
  const jsonBytes = Buffer.from(JSON.stringify(parsed));
  writeFileSync(join(dir, 'model.json'), jsonBytes);
  const hash = createHash('sha256').update(jsonBytes);
  paths.forEach((p, i) => {
    const part = bin!.bytes.subarray(i * cut, (i + 1) * cut);
    writeFileSync(join(dir, p), part);
    hash.update(part);
  });
  return { files: ['model.json', ...paths], sha256: hash.digest('hex') };
}

const root = mkdtempSync(join(tmpdir(), 'model-sources-'));
const outside = mkdtempSync(join(tmpdir(), 'model-outside-'));
const ctx: SourceContext = {
  mlflow: {} as MlflowClient,
  artifacts: {} as ArtifactStore,
  dataRoots: [root],
  downloadDir: join(root, 'downloads'),
  task: { inputShape: [12], numClasses: 2 },
};
let pinned = '';
let server: Server;
let base = '';
const hits = new Map<string, number>();

beforeAll(async () => {
  const model = foreignModel();
  pinned = (await writeModelFolder(join(root, 'foreign'), model)).sha256;
  await writeModelFolder(join(outside, 'foreign'), model);
  model.dispose();
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path.startsWith('/stall/')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"modelTopology":');
      return; // never ends: a stalled transfer
    }
    try {
      res.end(readFileSync(join(root, path.replace(/^\/files\//, ''))));
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  server?.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const candidate = (value: unknown) => ModelCandidate.parse(value);
async function load(value: unknown) {
  const c = candidate(value);
  const source = modelSources[c.kind] as { load(c: unknown, ctx: SourceContext): Promise<{ model?: tf.LayersModel; sha256?: string }> };
  return source.load(c, ctx);
}
/** What the activity boundary makes of a failed load: the failure Temporal sees. */
async function failureOf(value: unknown): Promise<{ type?: string; nonRetryable?: boolean; message: string }> {
  const err = await load(value).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeDefined();
  return toActivityFailure(err) as { type?: string; nonRetryable?: boolean; message: string };
}

describe('model sources', () => {
  it('reads a sharded LayersModel from a folder in the data roots, with the same weights and predictions', async () => {
    const original = foreignModel();
    const loaded = await load({ kind: 'file', path: join(root, 'foreign') });
    const x = tf.randomUniform([4, 12], 0, 1, 'float32', 5);
    const [a, b] = [original.predict(x) as tf.Tensor, loaded.model!.predict(x) as tf.Tensor];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    expect(loaded.sha256).toBe(pinned);
    expect(chooseCut(loaded.model!, undefined)).toBe('features_2'); // the layer feeding the old classifier
    tf.dispose([x, a, b]);
    original.dispose();
    loaded.model!.dispose();
  });

  it('reads the same model over http, pinned by its sha256, file by file beside model.json', async () => {
    const loaded = await load({ kind: 'url', url: `${base}/files/foreign/model.json`, sha256: pinned });
    expect(loaded.model!.layers.map((l) => l.name)).toEqual(['pixels', 'features_1', 'features_2', 'predictions']);
    expect(hits.get('/files/foreign/group1-shard2of2.bin')).toBe(1);
    loaded.model!.dispose();
  });

  it('dequantizes uint8 weights on import', async () => {
    const dir = join(root, 'quantized');
    await writeModelFolder(dir, foreignModel(), 1);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
      weightsManifest: { weights: { name: string; shape: number[]; dtype: string; quantization?: object }[] }[];
    };
    // Every weight as uint8 codes q with value = min + scale * q.
    const specs = json.weightsManifest[0]!.weights;
    const codes = specs.map((s) => Uint8Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, (_, i) => i % 256));
    specs.forEach((s) => (s.quantization = { dtype: 'uint8', min: -1, scale: 2 / 255 }));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'group1-shard1of1.bin'), Buffer.concat(codes.map((c) => Buffer.from(c))));
    const loaded = await load({ kind: 'file', path: join(dir, 'model.json') });
    const kernel = Array.from(loaded.model!.getLayer('features_1').getWeights()[0]!.dataSync()).slice(0, 3);
    expect(kernel[0]).toBeCloseTo(-1, 6);
    expect(kernel[2]).toBeCloseTo(-1 + (2 * 2) / 255, 6);
    loaded.model!.dispose();
  });
});

describe('model sources: bad input is a typed failure that names the problem', () => {
  const setup = (name: string, edit: (dir: string) => void) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    for (const f of ['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin']) writeFileSync(join(dir, f), readFileSync(join(root, 'foreign', f)));
    edit(dir);
    return dir;
  };
  const cases: { name: string; spec: () => unknown; type: string; message: RegExp; retryable?: boolean }[] = [
    {
      name: 'no model.json',
      spec: () => ({ kind: 'file', path: setup('no-json', (d) => rmSync(join(d, 'model.json'))) }),
      type: ErrorType.ModelSource,
      message: /no-json\/model\.json: no such file or folder/,
    },
    {
      name: 'a weight shard missing',
      spec: () => ({ kind: 'file', path: setup('no-shard', (d) => rmSync(join(d, 'group1-shard2of2.bin'))) }),
      type: ErrorType.ModelSource,
      message: /group1-shard2of2\.bin: no such file/,
    },
    {
      name: 'a shard truncated',
      spec: () => ({ kind: 'file', path: setup('truncated', (d) => writeFileSync(join(d, 'group1-shard2of2.bin'), Buffer.alloc(7))) }),
      type: ErrorType.ModelSource,
      message: /the weight files hold \d+ bytes, model\.json describes \d+ \(a shard is truncated or missing\)/,
    },
    {
      name: 'model.json not JSON',
      spec: () => ({ kind: 'file', path: setup('not-json', (d) => writeFileSync(join(d, 'model.json'), '{"modelTopology": ')) }),
      type: ErrorType.ModelSource,
      message: /model\.json is not JSON/,
    },
    {
      name: 'a GraphModel',
      spec: () => ({
        kind: 'file',
        path: setup('graph', (d) =>
          writeFileSync(join(d, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] })),
        ),
      }),
      type: ErrorType.ModelSource,
      message: /a TF\.js GraphModel \(a frozen graph\), which has no layers to fine-tune: use kind "graph"/,
    },
    {
      name: 'no Keras topology',
      spec: () => ({ kind: 'file', path: setup('no-topology', (d) => writeFileSync(join(d, 'model.json'), JSON.stringify({ weightsManifest: [] }))) }),
      type: ErrorType.ModelSource,
      message: /has no Keras model topology/,
    },
    {
      name: 'an unknown Keras layer',
      spec: () => ({
        kind: 'file',
        path: setup('unknown-layer', (d) =>
          writeFileSync(join(d, 'model.json'), readFileSync(join(d, 'model.json'), 'utf8').replaceAll('"Dense"', '"FancyDense"')),
        ),
      }),
      type: ErrorType.ModelIncompatible,
      message: /tfjs cannot build this model: .*FancyDense/,
    },
    {
      name: 'a path outside the roots',
      spec: () => ({ kind: 'file', path: join(outside, 'foreign') }),
      type: ErrorType.ModelSource,
      message: /outside the data roots/,
    },
    {
      name: 'a ../ escape',
      spec: () => ({ kind: 'file', path: `${root}/../${outside.split('/').pop()!}/foreign` }),
      type: ErrorType.ModelSource,
      message: /outside the data roots/,
    },
    {
      name: 'a symlink out',
      spec: () => {
        symlinkSync(join(outside, 'foreign'), join(root, 'link-out'));
        return { kind: 'file', path: join(root, 'link-out') };
      },
      type: ErrorType.ModelSource,
      message: /outside the data roots .*\(it resolves to /,
    },
    {
      name: 'a URL that returns 404',
      spec: () => ({ kind: 'url', url: `${base}/files/nowhere/model.json`, retries: 2 }),
      type: ErrorType.ModelSource,
      message: /nowhere\/model\.json: HTTP 404/,
    },
    {
      name: 'a URL over the size cap',
      spec: () => ({ kind: 'url', url: `${base}/files/foreign/model.json`, maxBytes: 900 }),
      type: ErrorType.ModelSource,
      message: /over the size cap/,
    },
    {
      name: 'a URL that stalls',
      spec: () => ({ kind: 'url', url: `${base}/stall/model.json`, timeoutMs: 200, retries: 1 }),
      type: TransientErrorType.ServiceUnavailable,
      message: /stalled: no bytes for 200 ms .*\(after 2 attempt\(s\)\)/,
      retryable: true,
    },
    {
      name: 'a digest mismatch',
      spec: () => ({ kind: 'url', url: `${base}/files/foreign/model.json`, sha256: '0'.repeat(64) }),
      type: ErrorType.ArtifactIntegrity,
      message: /the model's sha256 is [0-9a-f]{64}, the spec pins 0{64}/,
    },
  ];

  it.each(cases)('$name', async ({ spec, type, message, retryable }) => {
    const failure = await failureOf(spec());
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(!retryable);
    expect(failure.message).toMatch(message);
  });

  it('a 404 is not retried', async () => {
    hits.clear();
    await failureOf({ kind: 'url', url: `${base}/files/missing/model.json`, retries: 3 });
    expect(hits.get('/files/missing/model.json')).toBe(1);
  });

  it('a cut that is not in the model lists its layers', async () => {
    const loaded = await load({ kind: 'file', path: join(root, 'foreign') });
    expect(() => chooseCut(loaded.model!, 'block_16_project')).toThrow(
      'cutAt: the model has no layer "block_16_project"; its layers are: pixels, features_1, features_2, predictions',
    );
    loaded.model!.dispose();
  });
});

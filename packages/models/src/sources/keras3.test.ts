import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync, zipSync } from 'fflate';
import { ModelCandidate } from '@anneal/contracts';
import { toActivityFailure, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { kerasSource } from './keras-source';
import type { SourceContext } from './model-source';

// Keras 3 `.keras` archives written by real Keras (test/fixtures/keras3/make.py), with what Keras predicted.
const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'keras3');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  keras: string;
  input: number[][][][];
  predictions: Record<string, number[][]>;
};
const scratch = mkdtempSync(join(tmpdir(), 'keras3-'));
const ctx: SourceContext = {
  mlflow: {} as MlflowClient,
  artifacts: {} as ArtifactStore,
  dataRoots: [FIXTURES, scratch],
  downloadDir: scratch,
  task: { inputShape: [64], numClasses: 3 },
};
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const load = (path: string) => kerasSource.load(ModelCandidate.parse({ kind: 'keras', path }) as Parameters<typeof kerasSource.load>[0], ctx);

describe('Keras 3 .keras archives', () => {
  it.each(['functional', 'sequential'])('%s: the imported model predicts what Keras predicted', async (name) => {
    const loaded = await load(join(FIXTURES, `${name}.keras`));
    if (!('model' in loaded)) throw new Error('expected a model');
    const x = tf.tensor4d(expected.input);
    const y = loaded.model.predict(x) as tf.Tensor;
    const got = (await y.array()) as number[][];
    const want = expected.predictions[name] as number[][];
    expect(got.length).toBe(want.length);
    got.flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i] as number, 4));
    expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    tf.dispose([x, y]);
    loaded.model.dispose();
  });

  it("keeps the functional model's branches, merge and regularizer", async () => {
    const loaded = await load(join(FIXTURES, 'functional.keras'));
    if (!('model' in loaded)) throw new Error('expected a model');
    expect(loaded.model.getLayer('merge').inboundNodes[0]!.inboundLayers.map((l) => l.name)).toEqual(['avg', 'max']);
    expect((loaded.model.getLayer('features').getConfig().kernelRegularizer as { config: { l2: number } }).config.l2).toBeCloseTo(1e-4, 8);
    loaded.model.dispose();
  });

  describe('bad archives name the problem', () => {
    const archive = (name: string, files: Record<string, Uint8Array>) => {
      const path = join(scratch, name);
      writeFileSync(path, zipSync(files));
      return path;
    };
    const real = () => unzipSync(readFileSync(join(FIXTURES, 'functional.keras')));
    const failureOf = async (path: string) =>
      toActivityFailure(
        await load(path).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ) as { type?: string; nonRetryable?: boolean; message: string };

    it('no config.json', async () => {
      const files = real();
      delete files['config.json'];
      expect(await failureOf(archive('no-config.keras', files))).toMatchObject({
        type: 'ModelSourceError',
        nonRetryable: true,
        message: expect.stringMatching(/no-config\.keras: the \.keras archive has no config\.json \(it holds: metadata\.json, model\.weights\.h5\)/),
      });
    });
    it('not a zip', async () => {
      writeFileSync(join(scratch, 'text.keras'), 'not a zip');
      expect(await failureOf(join(scratch, 'text.keras'))).toMatchObject({
        type: 'ModelSourceError',
        message: expect.stringMatching(/text\.keras: not a \.keras archive \(a zip file\)/),
      });
    });
    it('a layer tfjs does not know', async () => {
      const files = real();
      files['config.json'] = Buffer.from(Buffer.from(files['config.json']!).toString().replace('"SeparableConv2D"', '"FancyConv2D"'));
      expect(await failureOf(archive('fancy.keras', files))).toMatchObject({
        type: 'ModelIncompatibleError',
        nonRetryable: true,
        message: expect.stringMatching(/fancy\.keras: tfjs cannot build this Keras model: .*FancyConv2D/),
      });
    });
    it('weights that do not fit the config', async () => {
      const files = real();
      files['config.json'] = Buffer.from(Buffer.from(files['config.json']!).toString().replace('"units": 8', '"units": 9'));
      expect(await failureOf(archive('units.keras', files))).toMatchObject({
        type: 'ModelIncompatibleError',
        message: expect.stringMatching(/layer features expects weights \[12x9, 9\], the file has \[12x8, 8\]/),
      });
    });
  });
});

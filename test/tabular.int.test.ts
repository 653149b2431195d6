import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FineTuneSpecInput } from '@anneal/contracts';
import { loadDataset, type Dataset } from '@anneal/dataset';
import { ModelRegistry } from '@anneal/registry';
import type { BatchPredictResult, FineTuneResult } from '@anneal/workflows';
import { REPO_ROOT, connectHarness, type Harness } from './integration/harness';
import { tfjsPredict } from './integration/tfjs-predict';

// A real table whose features range from 0.1 to 1,680 (scikit-learn's bundled wine data, from the pinned venv):
// the split fits the scaling on its training rows, the model carries it, and the registered model takes raw rows.
jest.setTimeout(300_000);

let h: Harness;
/** The first test's registered model, which the second scores batches with. */
let trained: { name: string; root: string; accuracy: number; test: Dataset } | undefined;
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => h?.close());

it('standardizes a table with statistics of its training split, inside the registered model that tfjs loads as it is', async () => {
  const root = mkdtempSync(join(tmpdir(), 'anneal-wine-'));
  const csv = join(root, 'wine.csv');
  execFileSync(join(REPO_ROOT, '.venv', 'bin', 'python'), [join(REPO_ROOT, 'bench', 'tabular_sklearn.py'), 'export', 'wine', csv]);
  const name = `wine-${randomUUID().slice(0, 6)}`;
  const spec: FineTuneSpecInput = {
    name,
    dataset: { name: 'wine', source: { kind: 'file', path: csv }, minPerClass: 20 },
    split: { validation: 0.2, test: 0.25, seed: 7 },
    model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [64] } }] },
    tuning: { trials: 1, strategies: ['full'], epochs: [150], learningRate: { min: 3e-3, max: 3e-3 }, batchSize: 16, patience: 30 },
    register: { name },
  };
  const result = await h.withWorker(
    () => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: name, args: [spec] }) as Promise<FineTuneResult>,
    ['cpu', 'gpu'],
    { dataRoots: [root] },
  );
  const champion = result.arms.find((a) => a.champion)!;
  // Unscaled, the same MLP reached 0.82 on these test rows (npm run bench:tabular); standardized, about 0.96.
  expect(champion.test.accuracy).toBeGreaterThan(0.9);

  const described = await new ModelRegistry(h.mlflow).describeAlias(name, 'champion');
  const model = described!.model!;
  // An MLflow 3 logged model of the training run, with an MLmodel signature; the version is of that model.
  const version = (await h.mlflow.getModelVersion(name, described!.version))!;
  const modelId = /^models:\/(m-[0-9a-f]+)$/.exec(version.source ?? '')?.[1];
  expect(modelId).toBeDefined();
  const logged = (await h.mlflow.call('GET', `logged-models/${modelId}`, {})) as {
    model: {
      info: { status: string; source_run_id: string; artifact_uri: string };
      data: { metrics?: { key: string; value: number; model_id: string }[]; params?: { key: string }[] };
    };
  };
  expect(logged.model.info).toMatchObject({ status: 'LOGGED_MODEL_READY', source_run_id: version.run_id });
  expect(logged.model.data.metrics?.find((m) => m.key === 'test_accuracy')?.value).toBeCloseTo(champion.test.accuracy, 6);
  expect(logged.model.data.params?.map((p) => p.key)).toContain('learning_rate');
  const mlmodel = Buffer.from(await h.mlflow.downloadArtifact(`${logged.model.info.artifact_uri}/MLmodel`)).toString();
  expect(mlmodel).toContain(`model_id: ${modelId}`);
  expect(mlmodel).toContain('{"type":"tensor","tensor-spec":{"dtype":"float32","shape":[-1,13]}}');
  expect(mlmodel).toContain('{"type":"tensor","tensor-spec":{"dtype":"float32","shape":[-1,3]}}');
  const trainingRun = (await h.mlflow.call('GET', 'runs/get', { query: { run_id: version.run_id } })) as {
    run: { outputs?: { model_outputs?: { model_id: string }[] } };
  };
  expect(trainingRun.run.outputs?.model_outputs?.map((o) => o.model_id)).toEqual([modelId]);
  // The split run keeps the scaling it fitted on the training rows (not the mean of all rows).
  const [splitRun] = await h.mlflow.searchRuns({ experimentIds: [result.experimentId], filter: `attributes.run_name = 'split wine'` });
  const scaling = JSON.parse(Buffer.from(await h.mlflow.downloadArtifact(`${splitRun!.info.artifact_uri}/split/scaling.json`)).toString()) as {
    features: string[];
    mean: number[];
    std: number[];
  };
  expect(scaling.features).toHaveLength(13);
  const rows = readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').slice(1).map(Number));
  const meanOfAll = rows[0]!.map((_, f) => rows.reduce((sum, r) => sum + r[f]!, 0) / rows.length);
  expect(scaling.mean.some((m, f) => Math.abs(m - meanOfAll[f]!) > 1e-3 * Math.abs(meanOfAll[f]!))).toBe(true);
  // tfjs's own loader, in a plain Node process with nothing of Anneal's, over HTTP from MLflow's artifact proxy:
  // raw test rows in, the evaluation's accuracy out.
  const { url } = await h.mlflow.artifactDownload(`${model.uri}/model.json`);
  const test = await loadDataset(h.artifacts, described!.testSplit!);
  const script = `
    const tf = require('@tensorflow/tfjs');
    (async () => {
      const { url, rows } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
      const model = await tf.loadLayersModel(url);
      const layer = model.getLayer('table_standardize');
      const [kernel, bias] = layer.getWeights().map((w) => Array.from(w.dataSync()));
      const predicted = Array.from(model.predict(tf.tensor2d(rows)).argMax(-1).dataSync());
      process.stdout.write(JSON.stringify({ predicted, trainable: layer.trainable, kernel, bias }));
    })();`;
  const d = test.featureShape[0]!;
  const rowsOf = test.labels.map((_, r) => Array.from(test.features.subarray(r * d, (r + 1) * d)));
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, input: JSON.stringify({ url, rows: rowsOf }) }).toString()) as {
    predicted: number[];
    trainable: boolean;
    kernel: number[];
    bias: number[];
  };
  const classes = model.classes!;
  const accuracy = test.labels.filter((l, i) => classes[out.predicted[i]!] === l).length / test.labels.length;
  expect(accuracy).toBeCloseTo(champion.test.accuracy, 6);
  // The frozen layer holds that scaling: kernel 1/std, bias -mean/std, unchanged by training.
  expect(out.trainable).toBe(false);
  out.kernel.forEach((k, i) => expect(k).toBeCloseTo(1 / scaling.std[i]!, 4));
  out.bias.forEach((b, i) => expect(b).toBeCloseTo(-scaling.mean[i]! / scaling.std[i]!, 3));
  trained = { name, root, accuracy: champion.test.accuracy, test };
});

it('scores raw rows with the registered model: anneal predict (no label column) and the batchPredict workflow agree with the evaluation', async () => {
  const { name, root, accuracy, test } = trained!;
  const names = test.featureNames!;
  const d = names.length;
  // The test rows as raw table rows, columns shuffled (they are matched by name), without and with their label.
  const order = [...names].reverse();
  const cells = (r: number) => order.map((n) => String(test.features[r * d + names.indexOf(n)]));
  writeFileSync(join(root, 'batch.csv'), [order.join(','), ...test.labels.map((_, r) => cells(r).join(','))].join('\n'));
  writeFileSync(
    join(root, 'labelled.csv'),
    [['class', ...order].join(','), ...test.labels.map((l, r) => [l, ...cells(r)].join(',')), ['c0', 'abc', ...cells(0).slice(1)].join(',')].join('\n'),
  );

  const out = join(root, 'predictions.csv');
  const env = { ...process.env, MLFLOW_TRACKING_URI: h.stack.mlflowUri, ANNEAL_DATA_ROOTS: root, ANNEAL_HOME: join(root, 'home') };
  const cli = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'packages', 'cli', 'bin', 'anneal.js'), 'predict', `models:/${name}@champion`, join(root, 'batch.csv'), '--out', out],
    { env, encoding: 'utf8' },
  );
  expect(cli.stderr).toMatch(new RegExp(`^${test.labels.length} rows scored by ${name} v1; written to`));
  expect(cli.status).toBe(0);
  const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
  expect(header).toBe(['row', 'predicted', ...test.classes.map((c) => `p_${c}`)].join(','));
  const predicted = lines.map((l) => l.split(',')[1]);
  expect(predicted.filter((p, i) => p === test.labels[i]).length / test.labels.length).toBeCloseTo(accuracy, 6);
  lines.forEach((l) =>
    expect(
      l
        .split(',')
        .slice(2)
        .map(Number)
        .reduce((a, b) => a + b, 0),
    ).toBeCloseTo(1, 4),
  );

  const scored = await h.withWorker(
    () =>
      h.client.workflow.execute('batchPredict', {
        taskQueue: 'anneal',
        workflowId: `score-${name}`,
        args: [{ name: `${name}-scoring`, model: `models:/${name}/1`, source: { kind: 'file', path: join(root, 'labelled.csv') }, labelColumn: 'class' }],
      }) as Promise<BatchPredictResult>,
    ['cpu'],
    { dataRoots: [root] },
  );
  expect(scored).toMatchObject({ model: { name, version: '1' }, rows: test.labels.length, invalidRows: 1 });
  expect(scored.accuracy).toBeCloseTo(accuracy, 6);
  const artifact = Buffer.from(await h.mlflow.downloadArtifact(scored.uri)).toString();
  expect(artifact.trim().split('\n')).toHaveLength(test.labels.length + 1);
  const run = await h.mlflow.getRun(scored.pipelineRunId);
  expect(run.info.status).toBe('FINISHED');
  expect(run.data.metrics.find((m) => m.key === 'accuracy')?.value).toBeCloseTo(accuracy, 6);
});

it('trains on a mixed table with gaps (palmerpenguins): categories one-hot with an <other> bucket, gaps filled inside the model, raw rows in', async () => {
  const root = mkdtempSync(join(tmpdir(), 'anneal-penguins-'));
  const csv = join(root, 'penguins.csv');
  execFileSync(join(REPO_ROOT, '.venv', 'bin', 'python'), [join(REPO_ROOT, 'bench', 'tabular_sklearn.py'), 'export', 'penguins', csv]);
  const name = `penguins-${randomUUID().slice(0, 6)}`;
  const spec: FineTuneSpecInput = {
    name,
    dataset: { name: 'penguins', source: { kind: 'file', path: csv }, minPerClass: 20 },
    split: { validation: 0.2, test: 0.25, seed: 7 },
    model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [64] } }] },
    tuning: { trials: 1, strategies: ['full'], epochs: [150], learningRate: { min: 3e-3, max: 3e-3 }, batchSize: 16, patience: 30 },
    register: { name },
  };
  const result = await h.withWorker(
    () => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: name, args: [spec] }) as Promise<FineTuneResult>,
    ['cpu', 'gpu'],
    {
      dataRoots: [root],
    },
  );
  expect(result.arms.find((a) => a.champion)!.test.accuracy).toBeGreaterThan(0.95);
  const described = (await new ModelRegistry(h.mlflow).describeAlias(name, 'champion'))!;
  const test = await loadDataset(h.artifacts, described.testSplit!);
  // Inferred: island and sex one-hot (with <other>), indicators for the four measurements with gaps, the row id unused.
  expect(test.featureNames).toEqual([
    'island=Biscoe', 'island=Dream', 'island=Torgersen', 'island=<other>',
    'bill_length_mm', 'bill_length_mm:missing', 'bill_depth_mm', 'bill_depth_mm:missing', 'flipper_length_mm', 'flipper_length_mm:missing', 'body_mass_g', 'body_mass_g:missing',
    'sex=female', 'sex=male', 'sex=<other>', 'year',
  ]); // prettier-ignore

  // The pipeline's own encoding of every row, scored by the registered model in a plain Node process (tfjs only) ...
  const ingested = await loadDataset(h.artifacts, described.dataset!);
  const { url } = await h.mlflow.artifactDownload(`${described.model!.uri}/model.json`);
  const tfjs = { predicted: tfjsPredict({ url, features: ingested.features, width: ingested.featureShape[0]! }) };
  // The fill runs inside the model, in a layer no strategy trains.
  const layers = JSON.parse(Buffer.from(await h.mlflow.downloadArtifact(`${described.model!.uri}/model.json`)).toString()) as {
    modelTopology: { config: { layers: { class_name: string; config: { name: string; trainable: boolean } }[] } };
  };
  expect(layers.modelTopology.config.layers.find((l) => l.config.name === 'table_impute')).toMatchObject({
    class_name: 'Dense',
    config: { trainable: false },
  });
  // ... equals anneal predict on the raw CSV (NA cells, category strings), plus a row with an island never seen and no measurements.
  writeFileSync(csv, `${readFileSync(csv, 'utf8').trimEnd()}\nAdelie,r999,Atlantis,NA,NA,NA,NA,NA,2009\n`);
  const env = { ...process.env, MLFLOW_TRACKING_URI: h.stack.mlflowUri, ANNEAL_DATA_ROOTS: root, ANNEAL_HOME: join(root, 'home') };
  const out = join(root, 'predictions.jsonl');
  const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'packages', 'cli', 'bin', 'anneal.js'), 'predict', `models:/${name}@champion`, csv, '--out', out], {
    env,
    encoding: 'utf8',
  });
  expect(cli.stderr).toMatch(/^345 rows scored/);
  const rows = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { predicted: string; probabilities: Record<string, number> });
  const classes = described.model!.classes!;
  expect(rows.slice(0, 344).map((r) => r.predicted)).toEqual(tfjs.predicted.map((i) => classes[i]));
  expect(Object.values(rows[344]!.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
});

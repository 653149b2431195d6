import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment, defaultActivityInfo } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DatasetSpec, ErrorType, MLFLOW_TAGS, SplitSpec, type DatasetRef, type DatasetSpecInput } from '@anneal/contracts';
import { ArtifactStore, MlflowClient } from '@anneal/tracking';
import { readStackEnv } from '../../../test/integration/stack-env';
import { dataRoot } from '../test/dataset-fixtures';
import { createDatasetActivities } from './dataset-activities';
import { loadDataset } from './dataset-store';

jest.setTimeout(60_000);
const stack = readStackEnv();
const mlflow = new MlflowClient({ trackingUri: stack.mlflowUri });
const artifacts = new ArtifactStore({ client: mlflow, cacheDir: mkdtempSync(join(tmpdir(), 'anneal-cache-')) });
const { root, write } = dataRoot();
const activities = createDatasetActivities({ mlflow, artifacts, dataRoots: [root] });
const execution = { workflowId: `wf-${randomUUID()}`, runId: randomUUID() };
let activityId = 0;

type Acts = typeof activities;
function call<K extends keyof Acts>(name: K, input: Parameters<Acts[K]>[0], attempt = 1): ReturnType<Acts[K]> {
  const info = { ...defaultActivityInfo, activityId: String(++activityId), activityType: name, attempt, workflowExecution: execution };
  const env = new MockActivityEnvironment(info) as unknown as { run: (fn: unknown, arg: unknown) => ReturnType<Acts[K]> };
  return env.run(activities[name], input);
}

async function pipelineRun(name: string) {
  const experimentId = await mlflow.getOrCreateExperiment(`${name}-${randomUUID()}`);
  const parent = await mlflow.createRun({ experimentId, runName: 'pipeline' });
  return { experimentId, parentRunId: parent.info.run_id };
}

/** A CSV of two gaussian-ish classes over columns x, y; `shift` moves x. */
function table(rows: number, shift = 0): string {
  const lines = ['label,x,y,patient'];
  for (let i = 0; i < rows; i++) lines.push(`${i % 3 === 0 ? 'sick' : 'well'},${((i * 37) % 101) / 10 + shift},${((i * 53) % 97) / 10},p${Math.floor(i / 4)}`);
  return `${lines.join('\n')}\n`;
}
const schema = {
  columns: [
    { name: 'label', type: 'category' },
    { name: 'x', type: 'number' },
    { name: 'y', type: 'number' },
    { name: 'patient', type: 'string' },
  ],
  label: 'label',
  group: 'patient',
};
const spec = (path: string, extra: Partial<DatasetSpecInput> = {}) =>
  DatasetSpec.parse({ name: 'patients', source: { kind: 'file', path }, schema, validation: { recommendedRows: 100 }, ...extra });

it('ingests a CSV, logs a report MLflow shows, and splits by group without leaks', async () => {
  const tracking = await pipelineRun('csv');
  const ingested = await call('ingestDataset', { tracking, dataset: spec(write('patients.csv', table(240))) });
  expect(ingested.dataset).toMatchObject({ rows: 240, featureShape: [2], classes: ['sick', 'well'] });
  expect(ingested.dataset.contentDigest).toMatch(/^[a-f0-9]{64}$/);

  const ingestRun = await mlflow.getRun(ingested.runId);
  expect(ingestRun.data.tags).toEqual(expect.arrayContaining([{ key: 'anneal.dataset.contentDigest', value: ingested.dataset.contentDigest }]));
  const input = ingestRun.inputs?.dataset_inputs[0]?.dataset;
  expect(input?.name).toBe('patients');
  expect(JSON.parse(input?.schema ?? '{}')).toMatchObject({ label: 'label', group: 'patient' });
  expect(JSON.parse(input?.profile ?? '{}')).toMatchObject({ num_rows: 240, invalid_rows: 0, classes: { sick: 80, well: 160 } });

  const summary = await call('validateDataset', { tracking, dataset: ingested.dataset, spec: spec('unused') });
  expect(summary.warnings).toEqual([]);
  const validateRun = await mlflow.getRun(summary.runId);
  const metrics = Object.fromEntries(validateRun.data.metrics.map((m) => [m.key, m.value]));
  expect(metrics).toMatchObject({ rows: 240, rows_invalid: 0, checks_failed: 0, imbalance_ratio: 2 });
  const report = JSON.parse(Buffer.from(await mlflow.downloadArtifact(`${validateRun.info.artifact_uri}/validation/report.json`)).toString());
  expect(report.checks.map((c: { check: string }) => c.check)).toContain('constantColumns');
  const page = Buffer.from(await mlflow.downloadArtifact(`${validateRun.info.artifact_uri}/validation/report.md`)).toString();
  expect(page).toContain('**PASSED**: 240 rows accepted, 0 invalid, 2 classes');

  const split = await call('splitDataset', { tracking, dataset: ingested.dataset, split: SplitSpec.parse({}) });
  const parts = await Promise.all([split.train, split.validation, split.test].map((r) => loadDataset(artifacts, r)));
  const groupsOf = (i: number) => new Set(parts[i]?.groups);
  for (const [a, b] of [
    [0, 1],
    [0, 2],
    [1, 2],
  ] as const)
    expect([...groupsOf(a)].filter((g) => groupsOf(b).has(g))).toEqual([]);
  const splitRun = await mlflow.getRun(split.runId);
  expect(splitRun.data.metrics.find((m) => m.key === 'leaked_rows')?.value).toBe(0);
});

it('reads a CSV stored in MLflow by runs:/ URI and fails on invalid rows, naming file, line and field', async () => {
  const tracking = await pipelineRun('mlflow-source');
  const holder = await mlflow.createRun({ experimentId: tracking.experimentId, runName: 'data drop' });
  await mlflow.uploadArtifact(`${holder.info.artifact_uri}/drops/batch.csv`, Buffer.from(table(120).replace('well,1.6,', 'well,-Infinity,')));
  const uri = `runs:/${holder.info.run_id}/drops/batch.csv`;
  const dataset = DatasetSpec.parse({ name: 'drop', source: { kind: 'mlflow', uri }, schema, minPerClass: 5 });
  const ingested = await call('ingestDataset', { tracking, dataset });
  expect(ingested.dataset.rows).toBe(119);
  const err = await call('validateDataset', { tracking, dataset: ingested.dataset, spec: dataset }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe(ErrorType.DatasetValidation);
  expect((err as ApplicationFailure).message).toMatch(
    new RegExp(`invalidRows: 1 of 120 rows invalid; first: ${uri}:\\d+, field "x", expected a finite number \\(not empty\\), found "-Infinity"`),
  );
  const runs = await mlflow.searchRuns({ experimentIds: [tracking.experimentId], filter: `tags.\`${MLFLOW_TAGS.runName}\` = 'validate drop'` });
  expect(runs[0]?.info.status).toBe('FAILED');
});

it('measures drift against the reference dataset, and a pinned test split keeps the same test rows', async () => {
  const tracking = await pipelineRun('drift');
  const before = await call('ingestDataset', { tracking, dataset: spec(write('v1.csv', table(300))) });
  const after = await call('ingestDataset', { tracking, dataset: spec(write('v2.csv', table(300, 4))) });
  const reference = { uri: before.dataset.uri, digest: before.dataset.digest };
  const warned = await call('validateDataset', { tracking, dataset: after.dataset, spec: spec('x', { validation: { recommendedRows: 100, reference } }) });
  expect(warned.warnings.join()).toMatch(/drift: against patients: largest PSI \d+\.\d+ \(x\)/);
  const failed = await call('validateDataset', {
    tracking,
    dataset: after.dataset,
    spec: spec('x', { validation: { recommendedRows: 100, reference, checks: { drift: 'fail' } } }),
  }).catch((e: ApplicationFailure) => e);
  expect(failed).toMatchObject({ type: ErrorType.DatasetValidation });
  const psiMetric = (await mlflow.getRun(warned.runId)).data.metrics.find((m) => m.key === 'drift_max_psi');
  expect(psiMetric?.value).toBeGreaterThan(0.25);

  // By model: the reference is the data the registered version was trained on (its anneal.dataset.ref tag).
  const modelName = `drift-model-${randomUUID().slice(0, 6)}`;
  await mlflow.createRegisteredModel(modelName);
  const version = await mlflow.createModelVersion({
    name: modelName,
    source: before.dataset.uri,
    runId: before.runId,
    tags: { [MLFLOW_TAGS.datasetRef]: JSON.stringify(reference) },
  });
  await mlflow.setAlias({ name: modelName, alias: 'champion', version: version.version });
  const byModel = await call('validateDataset', {
    tracking,
    dataset: after.dataset,
    spec: spec('x', { validation: { recommendedRows: 100, reference: { model: modelName } } }),
  });
  expect(byModel.warnings.join()).toMatch(/drift: against patients: largest PSI/);
  const firstTime = await call('validateDataset', {
    tracking,
    dataset: after.dataset,
    spec: spec('x', { validation: { recommendedRows: 100, reference: { model: `${modelName}-new` } } }),
  });
  expect(firstTime.warnings).toEqual([]);
  const page = Buffer.from(await mlflow.downloadArtifact(`${(await mlflow.getRun(firstTime.runId)).info.artifact_uri}/validation/report.md`)).toString();
  expect(page).toContain(`no drift check: ${modelName}-new@champion is not registered yet`);

  const first = await call('splitDataset', { tracking, dataset: before.dataset, split: SplitSpec.parse({}) });
  const pinnedTest = { uri: first.test.uri, digest: first.test.digest };
  const grown = await call('ingestDataset', { tracking, dataset: spec(write('v1-plus.csv', table(400))) });
  const second = await call('splitDataset', { tracking, dataset: grown.dataset, split: SplitSpec.parse({ pinnedTest }) });
  const [t1, t2] = await Promise.all([first.test, second.test].map((r: DatasetRef) => loadDataset(artifacts, r)));
  expect([...(t2?.features ?? [])]).toEqual([...(t1?.features ?? [])]);
  const metrics = (await mlflow.getRun(second.runId)).data.metrics;
  expect(metrics.find((m) => m.key === 'dropped_for_pinned_test')?.value).toBe(first.test.rows);
  expect(second.train.rows + second.validation.rows).toBe(400 - first.test.rows);
});

it('a retried ingest reopens its MLflow run instead of making a second one, and stores the same dataset', async () => {
  const tracking = await pipelineRun('retry');
  const input = { tracking, dataset: DatasetSpec.parse({ name: 'digits-1-2', source: { kind: 'mnist', digits: [1, 2], perClass: 30 } }) };
  const first = await call('ingestDataset', input);
  activityId--;
  const second = await call('ingestDataset', input, 2);
  expect(second.runId).toBe(first.runId);
  expect(second.dataset.digest).toBe(first.dataset.digest);
  const runs = await mlflow.searchRuns({ experimentIds: [tracking.experimentId], filter: `tags.\`${MLFLOW_TAGS.runName}\` = 'ingest digits-1-2'` });
  expect(runs).toHaveLength(1);
  const dataset = await loadDataset(artifacts, first.dataset);
  expect(dataset.labels.filter((l) => l === '1')).toHaveLength(30);
  expect(dataset.features).toHaveLength(60 * 784);
});

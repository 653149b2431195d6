import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment, defaultActivityInfo } from '@temporalio/testing';
import { MLFLOW_TAGS } from '@anneal/contracts';
import { ArtifactStore, MlflowClient } from '@anneal/tracking';
import { readStackEnv } from '../../../test/integration/stack-env';
import { createDatasetActivities } from './dataset-activities';
import { loadDataset } from './dataset-store';

const stack = readStackEnv();
const mlflow = new MlflowClient({ trackingUri: stack.mlflowUri });
const artifacts = new ArtifactStore({ client: mlflow, cacheDir: mkdtempSync(join(tmpdir(), 'anneal-cache-')) });
const activities = createDatasetActivities({ mlflow, artifacts, dataRoots: [] });

it('a retried activity reopens its MLflow run instead of making a second one, and stores the same dataset', async () => {
  const experimentId = await mlflow.getOrCreateExperiment(`retry-${randomUUID()}`);
  const parent = await mlflow.createRun({ experimentId, runName: 'pipeline' });
  const execution = { workflowId: `wf-${randomUUID()}`, runId: randomUUID() };
  const input = {
    tracking: { experimentId, parentRunId: parent.info.run_id },
    dataset: { name: 'digits-1-2', source: { kind: 'mnist' as const, digits: [1, 2], perClass: 30 } },
  };
  type Ingested = Awaited<ReturnType<typeof activities.ingestDataset>>;
  const attempt = (n: number): Promise<Ingested> =>
    new MockActivityEnvironment({ ...defaultActivityInfo, activityId: '7', activityType: 'ingestDataset', attempt: n, workflowExecution: execution })
      .run(activities.ingestDataset, input) as Promise<Ingested>;

  const first = await attempt(1);
  const second = await attempt(2);
  expect(second.runId).toBe(first.runId);
  expect(second.dataset.digest).toBe(first.dataset.digest);

  const runs = await mlflow.searchRuns({ experimentIds: [experimentId], filter: `tags.\`${MLFLOW_TAGS.activityId}\` = '7'` });
  expect(runs).toHaveLength(1);
  const run = runs[0]!;
  expect(run.info.status).toBe('FINISHED');
  expect(run.data.tags).toEqual(expect.arrayContaining([
    { key: MLFLOW_TAGS.parentRunId, value: parent.info.run_id },
    { key: MLFLOW_TAGS.workflowId, value: execution.workflowId },
    { key: MLFLOW_TAGS.attempt, value: '2' },
    { key: 'mlflow.runName', value: 'ingest digits-1-2' },
  ]));
  expect(run.data.params).toEqual(expect.arrayContaining([{ key: 'dataset.rows', value: '60' }]));
  expect(run.inputs?.dataset_inputs.map((d) => d.dataset.name)).toEqual(['digits-1-2']);

  const dataset = await loadDataset(artifacts, first.dataset);
  expect(dataset.labels.filter((l) => l === '1')).toHaveLength(30);
  expect(dataset.features).toHaveLength(60 * 784);
});

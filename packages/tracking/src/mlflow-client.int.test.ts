import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { readStackEnv } from '../../../test/integration/stack-env';
import { ArtifactIntegrityError, ArtifactStore } from './artifact-store';
import { MlflowClient } from './mlflow-client';
import { MlflowError } from './mlflow-error';

const stack = readStackEnv();
const mlflow = new MlflowClient({ trackingUri: stack.mlflowUri });

describe('MlflowClient against a real MLflow server', () => {
  let experimentId: string;
  beforeAll(async () => {
    experimentId = await mlflow.getOrCreateExperiment(`client-${randomUUID()}`);
  });

  it('finds an experiment it created instead of making a second one', async () => {
    const name = `again-${randomUUID()}`;
    const first = await mlflow.getOrCreateExperiment(name);
    expect(await mlflow.getOrCreateExperiment(name)).toBe(first);
  });

  it('logs more than one request holds (1500 metrics, 150 params) and the server keeps all of it', async () => {
    const run = await mlflow.createRun({ experimentId, runName: 'big batch', tags: { owner: 'test' } });
    const metrics = Array.from({ length: 1500 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i, timestamp: Date.now() }));
    const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: `v${i}` }));
    await mlflow.logBatch(run.info.run_id, { metrics, params });
    const history = await mlflow.getMetricHistory(run.info.run_id, 'loss');
    expect(history).toHaveLength(1500);
    expect(history[1499]).toMatchObject({ step: 1499, value: 1 / 1500 });
    const stored = await mlflow.getRun(run.info.run_id);
    expect(stored.data.params).toHaveLength(150);
    expect(stored.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'owner', value: 'test' },
        { key: 'mlflow.runName', value: 'big batch' },
      ]),
    );
  });

  it('reports MLflow errors with their code, without retrying them', async () => {
    const err = await mlflow.getRun('0'.repeat(32)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((err as MlflowError).retryable).toBe(false);
  });

  it('stores artifacts by digest and refuses a reference whose digest does not match', async () => {
    const run = await mlflow.createRun({ experimentId, runName: 'artifacts' });
    const store = new ArtifactStore({ client: mlflow, cacheDir: mkdtempSync(join(tmpdir(), 'anneal-cache-')) });
    const files = [
      { name: 'a.bin', bytes: new Uint8Array([1, 2, 3]) },
      { name: 'b.json', bytes: Buffer.from('{"x":1}') },
    ];
    const ref = await store.put(`${run.info.artifact_uri}/thing`, files);
    const back = await store.get(ref);
    expect([...back.get('a.bin')!]).toEqual([1, 2, 3]);
    expect(Buffer.from(back.get('b.json')!).toString()).toBe('{"x":1}');
    // A second store (another worker) reads the same bytes through the server.
    const other = new ArtifactStore({ client: mlflow, cacheDir: mkdtempSync(join(tmpdir(), 'anneal-cache-')) });
    expect([...(await other.get(ref)).get('a.bin')!]).toEqual([1, 2, 3]);
    await expect(other.get({ ...ref, digest: 'f'.repeat(64) })).rejects.toThrow(ArtifactIntegrityError);
  });

  it('registers versions and resolves aliases', async () => {
    const name = `model-${randomUUID().slice(0, 8)}`;
    const run = await mlflow.createRun({ experimentId, runName: 'producer' });
    await mlflow.createRegisteredModel(name);
    await mlflow.createRegisteredModel(name); // idempotent
    const v = await mlflow.createModelVersion({ name, source: `${run.info.artifact_uri}/model`, runId: run.info.run_id, tags: { k: 'v' } });
    await mlflow.setAlias({ name, alias: 'champion', version: v.version });
    const found = await mlflow.getModelVersionByAlias(name, 'champion');
    expect(found).toMatchObject({ name, version: v.version, run_id: run.info.run_id });
    expect(found?.tags).toEqual([{ key: 'k', value: 'v' }]);
    expect(await mlflow.getModelVersionByAlias(name, 'nope')).toBeUndefined();
  });
});

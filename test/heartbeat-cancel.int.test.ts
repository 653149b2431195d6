import { randomUUID } from 'node:crypto';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { PretrainSpecInput } from '@anneal/contracts';
import { connectHarness, runsByName, type Harness } from './integration/harness';

jest.setTimeout(180_000);

let h: Harness;
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => h?.close());

const name = `long-${randomUUID().slice(0, 6)}`;
const spec: PretrainSpecInput = {
  name,
  dataset: { name: 'mnist-long', source: { kind: 'mnist', digits: [0, 1], perClass: 200 }, minPerClass: 20 },
  architecture: { kind: 'mlp', hiddenUnits: [64] },
  training: { epochs: 500, batchSize: 16, learningRate: 0.0001, patience: 500 },
  register: { name, alias: 'base' },
};

it('shows epoch and loss in heartbeat details, and stops training when the workflow is cancelled', async () => {
  const workflowId = `pretrain-${name}`;
  await h.withWorker(async () => {
    const handle = await h.client.workflow.start('pretrain', { taskQueue: 'anneal', workflowId, args: [spec] });
    const trainHandle = h.client.workflow.getHandle(`${workflowId}/train`);
    let details: { epoch?: number; loss?: number } | undefined;
    for (let i = 0; i < 120 && details?.epoch === undefined; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const pending = (await trainHandle.describe().catch(() => undefined))?.raw.pendingActivities?.[0];
      const payload = pending?.heartbeatDetails?.payloads?.[0];
      if (payload) details = defaultPayloadConverter.fromPayload(payload);
    }
    expect(details).toEqual(expect.objectContaining({ epoch: expect.any(Number), loss: expect.any(Number) }));

    const cancelledAt = Date.now();
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

    // The training activity notices at its next batch heartbeat and marks its MLflow run KILLED.
    const experimentId = await h.mlflow.getOrCreateExperiment(name);
    let status: string | undefined;
    for (let i = 0; i < 60 && status !== 'KILLED'; i++) {
      const runs = await runsByName(h.mlflow, experimentId);
      status = [...runs.values()].find((r) => r.info.run_name?.startsWith('fine-tune '))?.info.status;
      if (status !== 'KILLED') await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe('KILLED');
    expect(Date.now() - cancelledAt).toBeLessThan(30_000);
    const runs = await runsByName(h.mlflow, experimentId);
    expect(runs.get(`pretrain ${name}`)?.info.status).toBe('KILLED');
  });
});

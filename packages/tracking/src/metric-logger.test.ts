import { MetricLogger } from './metric-logger';
import type { MlflowClient } from './mlflow-client';

/** An MLflow client whose first `failures` log-batch calls fail, and each takes `delayMs`. */
function flakyClient(failures: number, delayMs: number) {
  const received: { key: string; step: number }[] = [];
  let calls = 0;
  const client = {
    async logBatch(_runId: string, batch: { metrics: { key: string; step: number }[] }) {
      calls++;
      await new Promise((r) => setTimeout(r, delayMs));
      if (calls <= failures) throw new Error('503 Service Unavailable');
      received.push(...batch.metrics.map((m) => ({ key: m.key, step: m.step })));
    },
  };
  return { client: client as unknown as MlflowClient, received, calls: () => calls };
}

describe('MetricLogger', () => {
  it('does not wait for a slow or failing server, and delivers every metric once, in order, on close', async () => {
    const { client, received, calls } = flakyClient(2, 50);
    const logger = new MetricLogger(client, 'run');
    const returned: unknown[] = [];
    for (let step = 0; step < 5; step++) returned.push(logger.log({ loss: 1 / (step + 1), accuracy: step / 5 }, step), logger.flushSoon());
    // Both return at once (nothing to await), before the server has answered anything: nothing is delivered yet.
    expect(returned.every((r) => r === undefined)).toBe(true);
    expect(received).toEqual([]);
    await logger.close();
    expect(calls()).toBeGreaterThan(2);
    expect(received).toEqual(
      Array.from({ length: 5 }, (_, step) => [
        { key: 'loss', step },
        { key: 'accuracy', step },
      ]).flat(),
    );
  });

  it('fails loudly when the buffer bound is reached, and when close cannot deliver', async () => {
    const { client } = flakyClient(Number.POSITIVE_INFINITY, 1);
    const logger = new MetricLogger(client, 'run', { maxBuffered: 3 });
    logger.log({ a: 1, b: 2 }, 0);
    expect(() => logger.log({ c: 3, d: 4 }, 1)).toThrow(/MLflow has been unreachable for 4 metrics/);
    await expect(logger.close()).rejects.toThrow(/could not log 4 metrics to MLflow: Error: 503 Service Unavailable/);
  });

  it('logs each step once across attempts: a retried attempt leaves out the steps the run already holds', async () => {
    // What attempt 1 logged before its worker died: epochs 0-6 of val_loss (its checkpoint covered 0-5), and start_epoch at step 1.
    const stored = new Map<string, { key: string; step: number; value: number }[]>([
      ['val_loss', Array.from({ length: 7 }, (_, step) => ({ key: 'val_loss', step, value: 1 - step / 10 }))],
      ['start_epoch', [{ key: 'start_epoch', step: 1, value: 0 }]],
    ]);
    const client = {
      async getRun() {
        return { data: { metrics: [...stored.keys()].map((key) => ({ key, value: 0, step: 0 })) } };
      },
      async getMetricHistory(_run: string, key: string) {
        return stored.get(key) ?? [];
      },
      async logBatch(_run: string, batch: { metrics: { key: string; step: number; value: number }[] }) {
        for (const m of batch.metrics) stored.set(m.key, [...(stored.get(m.key) ?? []), m]);
      },
    } as unknown as MlflowClient;
    const attempt2 = new MetricLogger(client, 'run');
    await attempt2.skipLogged();
    expect(attempt2.alreadyLogged).toBe(8);
    attempt2.log({ start_epoch: 6 }, 2); // attempt 2 resumes after the checkpoint of epoch 5
    for (let epoch = 6; epoch < 10; epoch++) attempt2.log({ val_loss: 0.5 - epoch / 100, val_accuracy: epoch / 10 }, epoch);
    await attempt2.close();
    expect(stored.get('val_loss')!.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(stored.get('val_loss')![6]!.value).toBe(1 - 6 / 10); // attempt 1's epoch 6 stays, and only once
    expect(stored.get('val_accuracy')!.map((m) => m.step)).toEqual([6, 7, 8, 9]);
    expect(stored.get('start_epoch')!.map((m) => [m.step, m.value])).toEqual([
      [1, 0],
      [2, 6],
    ]);
  });

  it('sends in the background every flushEveryMs, and discard drops what was not sent', async () => {
    const { client, received } = flakyClient(0, 1);
    const logger = new MetricLogger(client, 'run', { flushEveryMs: 20 });
    logger.log({ loss: 1 }, 0);
    await new Promise((r) => setTimeout(r, 80));
    expect(received).toEqual([{ key: 'loss', step: 0 }]);
    logger.discard();
    logger.log({ loss: 2 }, 1);
    await new Promise((r) => setTimeout(r, 80));
    expect(received).toHaveLength(1);
  });
});

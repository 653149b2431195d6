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
    const started = Date.now();
    for (let step = 0; step < 5; step++) {
      logger.log({ loss: 1 / (step + 1), accuracy: step / 5 }, step);
      logger.flushSoon();
    }
    expect(Date.now() - started).toBeLessThan(20); // log and flushSoon return at once
    await logger.close();
    expect(calls()).toBeGreaterThan(2);
    expect(received).toEqual(Array.from({ length: 5 }, (_, step) => [{ key: 'loss', step }, { key: 'accuracy', step }]).flat());
  });

  it('fails loudly when the buffer bound is reached, and when close cannot deliver', async () => {
    const { client } = flakyClient(Number.POSITIVE_INFINITY, 1);
    const logger = new MetricLogger(client, 'run', 3);
    logger.log({ a: 1, b: 2 }, 0);
    expect(() => logger.log({ c: 3, d: 4 }, 1)).toThrow(/MLflow has been unreachable for 4 metrics/);
    await expect(logger.close()).rejects.toThrow(/could not log 4 metrics to MLflow: Error: 503 Service Unavailable/);
  });
});

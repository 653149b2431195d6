import type { Metric } from './log-batch';
import type { MlflowClient } from './mlflow-client';

/**
 * Buffers metrics and sends them in the background, so a slow MLflow server does not slow training.
 * A failed send keeps its metrics for the next one; `close` sends what is left and reports a lasting failure.
 */
export class MetricLogger {
  private pending: Metric[] = [];
  private chain: Promise<void> = Promise.resolve();
  private lastError: unknown;

  constructor(
    private readonly client: MlflowClient,
    private readonly runId: string,
    private readonly maxBuffered = 100_000,
  ) {}

  log(values: Record<string, number | undefined>, step: number): void {
    const timestamp = Date.now();
    for (const [key, value] of Object.entries(values)) {
      if (value !== undefined && Number.isFinite(value)) this.pending.push({ key, value, step, timestamp });
    }
    if (this.pending.length > this.maxBuffered) throw new Error(`MLflow has been unreachable for ${this.pending.length} metrics; last error: ${String(this.lastError)}`);
  }

  flushSoon(): void {
    this.chain = this.chain.then(() => this.send());
  }

  async close(): Promise<void> {
    this.flushSoon();
    await this.chain;
    if (this.pending.length > 0) {
      await this.send();
      if (this.pending.length > 0) throw new Error(`could not log ${this.pending.length} metrics to MLflow: ${String(this.lastError)}`);
    }
  }

  private async send(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      await this.client.logBatch(this.runId, { metrics: batch });
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err;
      this.pending = [...batch, ...this.pending];
    }
  }
}

import type { Metric } from './log-batch';
import type { MlflowClient } from './mlflow-client';

export interface MetricLoggerOptions {
  /** Metrics held while MLflow is unreachable before `log` fails the attempt. */
  maxBuffered?: number;
  /** Send what is buffered this often in the background (0: only on `flushSoon` and `close`). */
  flushEveryMs?: number;
}

/**
 * Buffers metrics and sends them in the background, so a slow MLflow server does not slow training.
 * A failed send keeps its metrics for the next one; `close` sends what is left and reports a lasting failure.
 *
 * Each (key, step) reaches the run once: a resend of a batch the server already stored is the same rows (MLflow
 * keeps one copy), and `skipLogged` makes a retried attempt, which re-runs the steps after its checkpoint, leave out
 * the steps an earlier attempt already logged.
 */
export class MetricLogger {
  private pending: Metric[] = [];
  private chain: Promise<void> = Promise.resolve();
  private lastError: unknown;
  private readonly logged = new Map<string, Set<number>>();
  private readonly maxBuffered: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: MlflowClient,
    private readonly runId: string,
    options: MetricLoggerOptions = {},
  ) {
    this.maxBuffered = options.maxBuffered ?? 100_000;
    if (options.flushEveryMs) this.timer = setInterval(() => this.flushSoon(), options.flushEveryMs);
  }

  /** Reads the steps the run already holds, for every metric key it has, so they are not logged a second time. */
  async skipLogged(): Promise<void> {
    const run = await this.client.getRun(this.runId);
    const keys = [...new Set(run.data.metrics.map((m) => m.key))];
    const histories = await Promise.all(keys.map((key) => this.client.getMetricHistory(this.runId, key)));
    keys.forEach((key, i) => this.logged.set(key, new Set((histories[i] ?? []).map((m) => m.step))));
  }

  /** How many (key, step) pairs an earlier attempt had logged. */
  get alreadyLogged(): number {
    return [...this.logged.values()].reduce((n, steps) => n + steps.size, 0);
  }

  log(values: Record<string, number | undefined>, step: number): void {
    const timestamp = Date.now();
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined || !Number.isFinite(value) || this.logged.get(key)?.has(step)) continue;
      this.pending.push({ key, value, step, timestamp });
    }
    if (this.pending.length > this.maxBuffered)
      throw new Error(`MLflow has been unreachable for ${this.pending.length} metrics; last error: ${String(this.lastError)}`);
  }

  flushSoon(): void {
    this.chain = this.chain.then(() => this.send());
  }

  async close(): Promise<void> {
    this.stop();
    this.flushSoon();
    await this.chain;
    if (this.pending.length > 0) {
      await this.send();
      if (this.pending.length > 0) throw new Error(`could not log ${this.pending.length} metrics to MLflow: ${String(this.lastError)}`);
    }
  }

  /** Stops the background sends. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops, and drops what was not sent: the attempt that retries a failed one logs those steps afresh. */
  discard(): void {
    this.stop();
    this.pending = [];
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

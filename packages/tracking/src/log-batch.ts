export interface Metric {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}
export interface KeyValue {
  key: string;
  value: string;
}
export interface Batch {
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
}

/** MLflow's log-batch limits per request (the server rejects larger requests). */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;

/** Splits one logical batch into requests that each stay within the server's limits. */
export function splitBatch(batch: Batch, limits = LOG_BATCH_LIMITS): Batch[] {
  const params = [...batch.params];
  const tags = [...batch.tags];
  const metrics = [...batch.metrics];
  const requests: Batch[] = [];
  while (params.length > 0 || tags.length > 0 || metrics.length > 0) {
    const p = params.splice(0, limits.params);
    const t = tags.splice(0, limits.tags);
    const room = Math.min(limits.metrics, limits.total - p.length - t.length);
    requests.push({ params: p, tags: t, metrics: metrics.splice(0, room) });
  }
  return requests;
}

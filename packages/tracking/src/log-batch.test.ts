import { LOG_BATCH_LIMITS, splitBatch } from './log-batch';

it('splits a large batch into requests within the server limits, losing nothing', () => {
  const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: `m${i % 7}`, value: i, step: i, timestamp: 0 }));
  const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
  const tags = Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: String(i) }));
  const requests = splitBatch({ metrics, params, tags });
  for (const r of requests) {
    expect(r.metrics.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.metrics);
    expect(r.params.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.params);
    expect(r.tags.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.tags);
    expect(r.metrics.length + r.params.length + r.tags.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.total);
  }
  expect(requests.flatMap((r) => r.metrics)).toEqual(metrics);
  expect(requests.flatMap((r) => r.params)).toEqual(params);
  expect(requests.flatMap((r) => r.tags)).toEqual(tags);
  expect(requests).toHaveLength(3);
});

it('sends nothing for an empty batch', () => {
  expect(splitBatch({ metrics: [], params: [], tags: [] })).toEqual([]);
});

import { createRng } from '@anneal/contracts';
import { selectRows, type Dataset } from '../dataset-format';

export interface Balanced {
  dataset: Dataset;
  /** What was done, for the split run and the report (`oversampled: 3 -> 40 (c2), ...` or why not). */
  summary: string;
  added: number;
}

/**
 * The training rows with each smaller class drawn again (seeded, with replacement) up to the largest class, when
 * `mode` asks for it: `oversample` always, `auto` when the largest-to-smallest ratio exceeds `maxImbalance`.
 */
export function balanceClasses(train: Dataset, o: { mode: 'auto' | 'none' | 'oversample'; maxImbalance: number; seed: number }): Balanced {
  const byClass = new Map<string, number[]>();
  train.labels.forEach((l, i) => {
    const rows = byClass.get(l);
    if (rows) rows.push(i);
    else byClass.set(l, [i]);
  });
  const sizes = [...byClass.values()].map((rows) => rows.length);
  const largest = Math.max(0, ...sizes);
  const ratio = sizes.length > 0 ? largest / Math.min(...sizes) : 1;
  const asIs = (why: string): Balanced => ({ dataset: train, summary: why, added: 0 });
  if (o.mode === 'none') return asIs(`not balanced (balance: none; largest to smallest class ${ratio.toFixed(1)}:1)`);
  if (o.mode === 'auto' && ratio <= o.maxImbalance) return asIs(`not balanced (largest to smallest class ${ratio.toFixed(1)}:1, within ${o.maxImbalance}:1)`);
  const rng = createRng(o.seed + 1);
  const extra: number[] = [];
  const grown: string[] = [];
  for (const [label, rows] of byClass) {
    if (rows.length === largest) continue;
    for (let k = rows.length; k < largest; k++) extra.push(rows[Math.floor(rng() * rows.length)] as number);
    grown.push(`${label} ${rows.length} -> ${largest}`);
  }
  const indices = [...train.labels.keys(), ...extra];
  return {
    dataset: { ...selectRows(train, indices, train.name), ...(train.featureNames ? { featureNames: train.featureNames } : {}) },
    summary: `oversampled the training split to ${largest} rows per class (${grown.join(', ')}; was ${ratio.toFixed(1)}:1)`,
    added: extra.length,
  };
}

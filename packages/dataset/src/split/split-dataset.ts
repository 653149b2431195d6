import { createRng, shuffled } from '@anneal/contracts';
import { featureSize, selectRows, type Dataset } from '../dataset-format';
import { RowHashes } from '../ingest/row-hash';

export interface SplitFractions {
  validation: number;
  test: number;
  seed: number;
}

export interface SplitResult {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  /** Rows dropped because they are in the pinned test split (same content or same group). */
  droppedForPinnedTest: number;
}

/** Content hashes of a dataset's rows (features only, bit for bit). */
export function hashRows(dataset: Dataset): RowHashes {
  const size = featureSize(dataset.featureShape);
  const hashes = new RowHashes();
  for (let i = 0; i < dataset.labels.length; i++) hashes.add(dataset.features.subarray(i * size, (i + 1) * size));
  return hashes;
}

/**
 * Seeded stratified split that cannot leak: rows of one group, and identical rows, form one unit that lands
 * in one split. Units are shuffled per class and cut by the fractions, so every split keeps the class mix
 * and the same seed always gives the same rows. With `pinnedTest`, that split is the test set as is, and
 * the rows it shares with this dataset are dropped before train and validation are cut.
 */
export function splitStratified(dataset: Dataset, fractions: SplitFractions, pinnedTest?: Dataset): SplitResult {
  const rng = createRng(fractions.seed);
  const hashes = hashRows(dataset);
  const unitOf = (i: number) => (dataset.groups ? `g:${dataset.groups[i]}` : `h:${hashes.hex(i)}`);
  let rows = dataset.labels.map((_, i) => i);
  let dropped = 0;
  if (pinnedTest) {
    const pinnedHashes = hashRows(pinnedTest);
    const taken = new Set(pinnedTest.labels.map((_, i) => `h:${pinnedHashes.hex(i)}`));
    for (const g of pinnedTest.groups ?? []) taken.add(`g:${g}`);
    const kept = rows.filter((i) => !taken.has(`h:${hashes.hex(i)}`) && !taken.has(unitOf(i)));
    dropped = rows.length - kept.length;
    rows = kept;
  }
  const units = new Map<string, number[]>();
  for (const i of rows) {
    const key = unitOf(i);
    const unit = units.get(key);
    if (unit) unit.push(i);
    else units.set(key, [i]);
  }
  const byClass = new Map<string, number[][]>();
  for (const unit of units.values()) {
    const label = dataset.labels[unit[0] as number] as string;
    byClass.set(label, [...(byClass.get(label) ?? []), unit]);
  }
  const testShare = pinnedTest ? 0 : fractions.test;
  const validationShare = pinnedTest ? fractions.validation / (1 - fractions.test) : fractions.validation;
  const parts = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  for (const label of [...byClass.keys()].sort()) {
    const classUnits = shuffled(byClass.get(label) ?? [], rng);
    const n = classUnits.length;
    const nTest = testShare === 0 ? 0 : Math.max(n >= 3 ? 1 : 0, Math.round(n * testShare));
    const nVal = Math.max(n >= 3 ? 1 : 0, Math.round(n * validationShare));
    parts.test.push(...classUnits.slice(0, nTest).flat());
    parts.validation.push(...classUnits.slice(nTest, nTest + nVal).flat());
    parts.train.push(...classUnits.slice(nTest + nVal).flat());
  }
  // Interleave classes so batches mix them.
  const mix = (indices: number[]) => shuffled(indices, rng);
  return {
    train: selectRows(dataset, mix(parts.train), `${dataset.name}.train`),
    validation: selectRows(dataset, mix(parts.validation), `${dataset.name}.validation`),
    test: pinnedTest ? { ...pinnedTest, name: `${dataset.name}.test` } : selectRows(dataset, mix(parts.test), `${dataset.name}.test`),
    droppedForPinnedTest: dropped,
  };
}

import { createRng, shuffled } from '@anneal/contracts';
import { selectRows, type Dataset } from './dataset-format';

export interface SplitFractions {
  validation: number;
  test: number;
  seed: number;
}

/**
 * Stratified split: each class is shuffled with the seed and cut by the fractions,
 * so every split keeps the class mix and the same seed always gives the same rows.
 */
export function splitStratified(dataset: Dataset, fractions: SplitFractions): { train: Dataset; validation: Dataset; test: Dataset } {
  const rng = createRng(fractions.seed);
  const byClass = new Map<string, number[]>();
  dataset.labels.forEach((label, i) => byClass.set(label, [...(byClass.get(label) ?? []), i]));
  const train: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  for (const label of [...byClass.keys()].sort()) {
    const rows = shuffled(byClass.get(label) ?? [], rng);
    const nTest = Math.max(rows.length >= 3 ? 1 : 0, Math.round(rows.length * fractions.test));
    const nVal = Math.max(rows.length >= 3 ? 1 : 0, Math.round(rows.length * fractions.validation));
    test.push(...rows.slice(0, nTest));
    validation.push(...rows.slice(nTest, nTest + nVal));
    train.push(...rows.slice(nTest + nVal));
  }
  // Interleave classes so batches mix them.
  const mix = (rows: number[]) => shuffled(rows, rng);
  return {
    train: selectRows(dataset, mix(train), `${dataset.name}.train`),
    validation: selectRows(dataset, mix(validation), `${dataset.name}.validation`),
    test: selectRows(dataset, mix(test), `${dataset.name}.test`),
  };
}

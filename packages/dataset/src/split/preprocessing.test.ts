import type { Dataset } from '../dataset-format';
import { balanceClasses } from './class-balance';
import { applyImputation, fitScaling } from './feature-scaling';

const table = (rows: number[][], labels: string[], featureNames: string[]): Dataset => ({
  name: 't',
  featureShape: [featureNames.length],
  classes: [...new Set(labels)],
  features: Float32Array.from(rows.flat()),
  labels,
  featureNames,
});

it('fills a gap with the training mean of the rows that have the value, and standardizes the filled rows', () => {
  const train = table(
    [
      [1, 0, 10],
      [3, 0, 10],
      [0, 1, 40],
    ],
    ['a', 'b', 'a'],
    ['x', 'x:missing', 'z'],
  );
  const scaling = fitScaling(train)!;
  expect(scaling.impute).toEqual([{ value: 0, indicator: 1, fill: 2 }]);
  // x after the fill is 1, 3, 2: mean 2, population std sqrt(2/3).
  expect(scaling.mean.map((m) => Number(m.toFixed(6)))).toEqual([2, 0.333333, 20]);
  expect(scaling.std[0]).toBeCloseTo(Math.sqrt(2 / 3), 6);
  expect([...applyImputation(train.features, 3, scaling.impute!)]).toEqual([1, 0, 10, 3, 0, 10, 2, 1, 40]);
});

it('leaves a table without indicators unfilled', () => {
  expect(fitScaling(table([[1], [2]], ['a', 'b'], ['x']))?.impute).toBeUndefined();
});

it('oversamples the smaller classes of the training split up to the largest when asked, or when imbalance passes the limit', () => {
  const labels = [...Array(12).fill('big'), 'small', 'small', 'mid', 'mid', 'mid', 'mid'];
  const train = table(
    labels.map((_, i) => [i]),
    labels,
    ['x'],
  );
  const auto = balanceClasses(train, { mode: 'auto', maxImbalance: 10, seed: 1 });
  expect(auto.added).toBe(0);
  expect(auto.summary).toBe('not balanced (largest to smallest class 6.0:1, within 10:1)');
  const forced = balanceClasses(train, { mode: 'oversample', maxImbalance: 10, seed: 1 });
  const count = (d: Dataset, l: string) => d.labels.filter((x) => x === l).length;
  expect(['big', 'small', 'mid'].map((l) => count(forced.dataset, l))).toEqual([12, 12, 12]);
  expect(forced.added).toBe(18);
  expect(forced.summary).toBe('oversampled the training split to 12 rows per class (small 2 -> 12, mid 4 -> 12; was 6.0:1)');
  // The drawn rows are copies of that class's own rows, and the draw is the same for the same seed.
  const small = new Set([12, 13]);
  forced.dataset.labels.forEach((l, i) => l === 'small' && expect(small.has(forced.dataset.features[i]!)).toBe(true));
  expect([...balanceClasses(train, { mode: 'auto', maxImbalance: 5, seed: 1 }).dataset.features]).toEqual([...forced.dataset.features]);
  expect(balanceClasses(train, { mode: 'none', maxImbalance: 1, seed: 1 }).dataset).toBe(train);
});

import type { Dataset } from '../dataset-format';
import { findLeakage } from './find-leakage';
import { hashRows, splitStratified } from './split-dataset';

function dataset(n: number, options: { groups?: (i: number) => string; value?: (i: number) => number } = {}): Dataset {
  const value = options.value ?? ((i) => i);
  return {
    name: 'd',
    featureShape: [1],
    classes: ['a', 'b'],
    features: Float32Array.from({ length: n }, (_, i) => value(i)),
    labels: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 'b' : 'a')),
    ...(options.groups ? { groups: Array.from({ length: n }, (_, i) => options.groups!(i)) } : {}),
  };
}
const fractions = { validation: 0.2, test: 0.2, seed: 7 };
const values = (d: Dataset) => [...d.features];

describe('splitStratified', () => {
  it('is deterministic by seed, keeps every row once and the class mix in each split', () => {
    const d = dataset(200);
    const a = splitStratified(d, fractions);
    const b = splitStratified(d, fractions);
    expect(values(a.test)).toEqual(values(b.test));
    expect(values(splitStratified(d, { ...fractions, seed: 8 }).test)).not.toEqual(values(a.test));
    expect([...values(a.train), ...values(a.validation), ...values(a.test)].sort((x, y) => x - y)).toEqual(values(d));
    for (const part of [a.train, a.validation, a.test]) {
      const share = part.labels.filter((l) => l === 'b').length / part.labels.length;
      expect(share).toBeCloseTo(0.25, 1);
    }
  });

  it('never puts one group in two splits, nor two copies of one row', () => {
    const grouped = splitStratified(dataset(200, { groups: (i) => `g${Math.floor(i / 8)}` }), fractions);
    expect(findLeakage(grouped).groupsAcrossSplits).toEqual([]);
    const copies = splitStratified(dataset(200, { value: (i) => i % 50 }), fractions);
    expect(findLeakage(copies).total).toBe(0);
  });

  it('reuses a pinned test split as is and drops the rows it shares with the new data', () => {
    const first = splitStratified(dataset(100), fractions);
    const grown = dataset(160);
    const second = splitStratified(grown, fractions, first.test);
    expect(values(second.test)).toEqual(values(first.test));
    expect(second.droppedForPinnedTest).toBe(first.test.labels.length);
    expect(findLeakage(second).total).toBe(0);
    expect(second.train.labels.length + second.validation.labels.length).toBe(160 - first.test.labels.length);
  });
});

describe('findLeakage', () => {
  it('counts rows shared between splits by content, and groups spanning splits', () => {
    const d = dataset(10, { groups: (i) => `g${i}` });
    const part = (rows: number[], groups: string[]) => ({ ...d, features: Float32Array.from(rows), labels: rows.map(() => 'a'), groups });
    const report = findLeakage({ train: part([1, 2, 3], ['g1', 'g2', 'g3']), validation: part([4], ['g4']), test: part([3, 5], ['g3', 'g5']) });
    expect(report.sharedRows).toEqual([
      { pair: 'train/validation', rows: 0 },
      { pair: 'train/test', rows: 1, example: 'test row 1' },
      { pair: 'validation/test', rows: 0 },
    ]);
    expect(report.groupsAcrossSplits).toEqual([{ group: 'g3', splits: ['train', 'test'] }]);
    expect(report.total).toBe(2);
  });

  it('hashes rows by content', () => {
    const h = hashRows(dataset(3, { value: (i) => (i === 2 ? 0 : i) }));
    expect(h.hex(2)).toBe(h.hex(0));
    expect(h.hex(1)).not.toBe(h.hex(0));
  });
});

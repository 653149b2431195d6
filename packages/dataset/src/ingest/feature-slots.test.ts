import { alignFeatures } from '../dataset-format';
import { featureSlots, isFeatureColumn } from './feature-slots';

it('encodes a category one-hot with an <other> bucket and a nullable number with its missing indicator', () => {
  const columns = [
    { name: 'c', type: 'category' as const, nullable: true, vocabulary: ['a', 'b'] },
    { name: 'x', type: 'number' as const, nullable: true },
  ];
  const slots = featureSlots(columns, [0, 1]);
  expect(slots.names).toEqual(['c=a', 'c=b', 'c=<other>', 'x', 'x:missing']);
  expect(slots.indicatorOf).toEqual([-1, -1, -1, -1, 1]);
  const row = (cells: unknown[]) => {
    const out = new Float32Array(5).fill(9);
    slots.encode(cells, out);
    return [...out];
  };
  expect(row(['b', 2])).toEqual([0, 1, 0, 2, 0]);
  expect(row(['never seen', null])).toEqual([0, 0, 1, 0, 1]);
  expect(row([null, 3])).toEqual([0, 0, 0, 3, 0]);
});

it('uses a category as a feature only with a vocabulary of one-hot size', () => {
  expect(isFeatureColumn({ name: 'c', type: 'category', nullable: false })).toBe(false);
  expect(isFeatureColumn({ name: 'c', type: 'category', nullable: false, values: ['a'] })).toBe(true);
  expect(isFeatureColumn({ name: 'c', type: 'category', nullable: false, vocabulary: Array.from({ length: 65 }, (_, i) => `v${i}`) })).toBe(false);
  expect(isFeatureColumn({ name: 's', type: 'string', nullable: false })).toBe(false);
});

it("fills a model's columns from rows encoded with others, by name (a column the rows lack reads 0)", () => {
  const rows = { name: 'r', featureShape: [2], classes: ['k'], labels: ['k', 'k'], features: Float32Array.from([1, 2, 3, 4]), featureNames: ['x', 'c=a'] };
  const aligned = alignFeatures(rows, ['c=a', 'x', 'x:missing']);
  expect(aligned.featureShape).toEqual([3]);
  expect([...aligned.features]).toEqual([2, 1, 0, 4, 3, 0]);
  expect(alignFeatures(rows, ['x', 'c=a'])).toBe(rows);
});

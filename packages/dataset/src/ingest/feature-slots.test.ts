import { alignFeatures } from '../dataset-format';
import { columnEncoding, featureSlots } from './feature-slots';
import { fnv1a } from './tokenize';

const HASH = { policy: 'hash' as const, hashBuckets: 4 };

it('encodes a category one-hot with an <other> bucket and a nullable number with its missing indicator', () => {
  const columns = [
    { name: 'c', type: 'category' as const, nullable: true, vocabulary: ['a', 'b'] },
    { name: 'x', type: 'number' as const, nullable: true },
  ];
  const slots = featureSlots(columns, [0, 1], { wide: HASH });
  expect(slots.names).toEqual(['c=a', 'c=b', 'c=<other>', 'x', 'x:missing']);
  expect(slots.indicatorOf).toEqual([-1, -1, -1, -1, 1]);
  expect(slots.groups.map((g) => [g.name, g.encoder, g.width])).toEqual([
    ['c', 'one-hot', 3],
    ['x', 'number', 1],
    ['x', 'missing', 1],
  ]);
  const row = (cells: unknown[]) => {
    const out = new Float32Array(5).fill(9);
    slots.encode(cells, out);
    return [...out];
  };
  expect(row(['b', 2])).toEqual([0, 1, 0, 2, 0]);
  expect(row(['never seen', null])).toEqual([0, 0, 1, 0, 1]);
  expect(row([null, 3])).toEqual([0, 0, 0, 3, 0]);
});

it('one-hots a category up to 64 values; a wider one (or one with none listed) is hashed, dropped or refused, by policy', () => {
  const wide = { name: 'c', type: 'category' as const, nullable: false, vocabulary: Array.from({ length: 65 }, (_, i) => `v${i}`) };
  expect(columnEncoding({ name: 'c', type: 'category', nullable: false, values: ['a'] }, HASH)).toEqual({ kind: 'one-hot' });
  expect(columnEncoding(wide, HASH)).toEqual({ kind: 'hashed', buckets: 4 });
  expect(columnEncoding({ name: 'c', type: 'category', nullable: false }, HASH)).toEqual({ kind: 'hashed', buckets: 4 });
  expect(columnEncoding(wide, { policy: 'drop', hashBuckets: 4 })).toEqual({ kind: 'unused' });
  expect(columnEncoding(wide, { policy: 'error', hashBuckets: 4 })).toEqual({ kind: 'wide', values: 65 });
  // A column's own hashBuckets wins over one-hot and over the policy.
  expect(columnEncoding({ name: 'c', type: 'category', nullable: false, values: ['a'], hashBuckets: 8 }, { policy: 'drop', hashBuckets: 4 })).toEqual({
    kind: 'hashed',
    buckets: 8,
  });
  expect(columnEncoding({ name: 's', type: 'string', nullable: false }, HASH)).toEqual({ kind: 'unused' });
});

it('hashes a wide category into indicator columns: the same bucket for the same category, seen in training or not', () => {
  const columns = [{ name: 'city', type: 'category' as const, nullable: true }];
  const slots = featureSlots(columns, [0], { wide: HASH });
  expect(slots.names).toEqual(['city#0', 'city#1', 'city#2', 'city#3']);
  const row = (city: string | null) => {
    const out = new Float32Array(4).fill(9);
    slots.encode([city], out);
    return [...out];
  };
  for (const city of ['Lyon', 'Zürich', 'a town no training row had']) {
    const hot = [0, 0, 0, 0];
    hot[fnv1a(city) % 4] = 1;
    expect(row(city)).toEqual(hot);
  }
  expect(row(null)).toEqual([0, 0, 0, 0]);
});

it("fills a model's columns from rows encoded with others, by name (a column the rows lack reads 0)", () => {
  const rows = { name: 'r', featureShape: [2], classes: ['k'], labels: ['k', 'k'], features: Float32Array.from([1, 2, 3, 4]), featureNames: ['x', 'c=a'] };
  const aligned = alignFeatures(rows, { featureNames: ['c=a', 'x', 'x:missing'] });
  expect(aligned.featureShape).toEqual([3]);
  expect([...aligned.features]).toEqual([2, 1, 0, 4, 3, 0]);
  expect(aligned.descriptor?.map((g) => g.encoder)).toEqual(['one-hot', 'number', 'missing']);
  expect(alignFeatures(rows, { featureNames: ['x', 'c=a'] })).toBe(rows);
});

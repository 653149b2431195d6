import { decodeDataset, encodeDataset, keepFeatures, type Dataset } from '../dataset-format';
import { featureSlots } from '../ingest/feature-slots';
import { measureDrift } from '../validate/drift';
import { descriptorWidth, keepInDescriptor, tokenGroup } from './descriptor';
import { inferDescriptor } from './infer-descriptor';

const columns = [
  { name: 'colour', type: 'category' as const, nullable: true, vocabulary: ['red', 'green'] },
  { name: 'size', type: 'number' as const, nullable: true },
  { name: 'city', type: 'category' as const, nullable: true, hashBuckets: 3 },
];
const slots = featureSlots(columns, [0, 1, 2], { wide: { policy: 'hash', hashBuckets: 3 } });

/** Rows of `colour, size, city` encoded as a table reader would. */
function table(name: string, rows: unknown[][]): Dataset {
  const width = slots.names.length;
  const features = new Float32Array(rows.length * width);
  rows.forEach((cells, r) => slots.encode(cells, features.subarray(r * width, (r + 1) * width)));
  return { name, featureShape: [width], classes: ['k'], labels: rows.map(() => 'k'), features, featureNames: slots.names, descriptor: slots.groups };
}

it('describes a table column by column, and a dataset stored without a descriptor reads as the same one', () => {
  expect(slots.groups.map((g) => `${g.name}:${g.encoder}:${g.width}`)).toEqual(['colour:one-hot:3', 'size:number:1', 'size:missing:1', 'city:hashed:3']);
  expect(descriptorWidth(slots.groups)).toBe(slots.names.length);
  expect(inferDescriptor({ featureShape: [slots.names.length], featureNames: slots.names })).toEqual(slots.groups);
  expect(inferDescriptor({ featureShape: [8], text: true })).toEqual([tokenGroup(8)]);
  expect(inferDescriptor({ featureShape: [4] })).toEqual([{ name: 'features', encoder: 'vector', dtype: 'float32', width: 4, shape: [4] }]);
});

it('travels with the stored dataset and follows the columns a reader keeps', () => {
  const d = table('t', [['red', 1, 'Lyon']]);
  const decoded = decodeDataset(new Map(encodeDataset(d).map((f) => [f.name, f.bytes])));
  expect(decoded.descriptor).toEqual(slots.groups);
  const files = new Map(encodeDataset({ ...d, descriptor: slots.groups.slice(1) }).map((f) => [f.name, f.bytes]));
  expect(() => decodeDataset(files)).toThrow(/descriptor covers 5 values a row, its rows have 8/);
  // Dropping the missing indicator (a column without gaps) drops its group; a group losing one slot narrows.
  const keep = slots.names.map((n) => n !== 'size:missing' && n !== 'colour=<other>');
  expect(keepFeatures(d, keep).descriptor?.map((g) => `${g.name}:${g.encoder}:${g.width}`)).toEqual(['colour:one-hot:2', 'size:number:1', 'city:hashed:3']);
  expect(keepInDescriptor(slots.groups, keep)).toEqual(keepFeatures(d, keep).descriptor);
});

it('compares a category column by its category frequencies, one entry named by the column, and a number by its deciles', () => {
  const rows = (n: number, redShare: number, missingShare: number) =>
    Array.from({ length: n }, (_, i) => [i < n * redShare ? 'red' : 'green', i % 100 < missingShare * 100 ? null : i % 7, `c${i % 5}`]);
  const reference = table('ref', rows(1000, 0.5, 0.1));
  const same = measureDrift(table('same', rows(1000, 0.5, 0.1)), reference);
  expect(same.features.map((f) => f.feature).sort()).toEqual(['city', 'colour', 'size', 'size missing']);
  expect(same.maxPsi).toBeLessThan(0.01);
  const moved = measureDrift(table('moved', rows(1000, 0.9, 0.4)), reference);
  const psiOf = (name: string) => moved.features.find((f) => f.feature === name)?.psi ?? NaN;
  // Red 50 % -> 90 %: (0.9 - 0.5) ln(0.9 / 0.5) + (0.1 - 0.5) ln(0.1 / 0.5) = 0.879.
  expect(psiOf('colour')).toBeCloseTo(0.879, 2);
  // Missing 10 % -> 40 %: (0.4 - 0.1) ln 4 + (0.6 - 0.9) ln(0.6 / 0.9) = 0.537.
  expect(psiOf('size missing')).toBeCloseTo(0.537, 2);
  expect(psiOf('city')).toBeLessThan(0.01);
});

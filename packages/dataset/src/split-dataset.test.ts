import type { Dataset } from './dataset-format';
import { decodeDataset, encodeDataset } from './dataset-format';
import { splitStratified } from './split-dataset';

const labels = [...Array(60).fill('a'), ...Array(40).fill('b')] as string[];
const data: Dataset = { name: 'd', featureShape: [1], classes: ['a', 'b'], features: Float32Array.from(labels.map((_, i) => i)), labels };

describe('splitStratified', () => {
  it('keeps the class mix in every split and loses or repeats no row', () => {
    const { train, validation, test } = splitStratified(data, { validation: 0.2, test: 0.3, seed: 1 });
    const count = (d: Dataset, c: string) => d.labels.filter((l) => l === c).length;
    expect([count(test, 'a'), count(test, 'b')]).toEqual([18, 12]);
    expect([count(validation, 'a'), count(validation, 'b')]).toEqual([12, 8]);
    expect(train.labels).toHaveLength(50);
    const all = [...train.features, ...validation.features, ...test.features].sort((x, y) => x - y);
    expect(all).toEqual([...data.features]);
    // features stay with their labels
    for (const d of [train, validation, test]) d.labels.forEach((l, i) => expect(l).toBe((d.features[i] as number) < 60 ? 'a' : 'b'));
  });

  it('gives the same rows for the same seed and other rows for another', () => {
    const a = splitStratified(data, { validation: 0.2, test: 0.2, seed: 7 });
    expect(splitStratified(data, { validation: 0.2, test: 0.2, seed: 7 }).test.features).toEqual(a.test.features);
    expect(splitStratified(data, { validation: 0.2, test: 0.2, seed: 8 }).test.features).not.toEqual(a.test.features);
  });
});

it('round-trips through the artifact format', () => {
  const files = new Map(encodeDataset(data).map((f) => [f.name, f.bytes]));
  expect(decodeDataset(files)).toEqual(data);
});

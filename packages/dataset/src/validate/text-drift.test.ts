import type { Dataset } from '../dataset-format';
import { tokenIds } from '../ingest/tokenize';
import { measureDrift } from './drift';

const MAX = 16;
const texts = (name: string, rows: string[]): Dataset => {
  const features = new Float32Array(rows.length * MAX);
  rows.forEach((t, r) => tokenIds(t, MAX, features, r * MAX));
  const tableSchema = {
    columns: [{ name: 'text', type: 'string' as const, nullable: false }],
    label: 'label',
    text: { column: 'text', maxTokens: MAX },
    wideCategories: { policy: 'hash' as const, hashBuckets: 32 },
  };
  return { name, featureShape: [MAX], classes: ['k'], labels: rows.map(() => 'k'), features, featureNames: [], tableSchema };
};

it("measures a text set's drift by its lengths and its vocabulary, not by token position", () => {
  const base = Array.from({ length: 200 }, (_, i) => `win money now ${i % 7} free offer`);
  const same = texts('again', [...base]);
  const longer = texts(
    'longer',
    base.map((t) => `${t} please read the whole message below carefully today`),
  );
  const other = texts(
    'other',
    base.map((_, i) => `meeting notes agenda ${i % 5} project review`),
  );
  const ref = texts('reference', base);
  const psiOf = (d: Dataset, feature: string) => measureDrift(d, ref).features.find((f) => f.feature === feature)!.psi;
  expect(
    measureDrift(same, ref)
      .features.map((f) => f.feature)
      .sort(),
  ).toEqual(['text length', 'text vocabulary']);
  expect(psiOf(same, 'text length')).toBeCloseTo(0, 6);
  expect(psiOf(same, 'text vocabulary')).toBeCloseTo(0, 6);
  expect(psiOf(longer, 'text length')).toBeGreaterThan(1);
  expect(psiOf(other, 'text vocabulary')).toBeGreaterThan(1);
  expect(psiOf(other, 'text length')).toBeLessThan(0.1);
});

import type { Dataset } from './dataset-format';
import { reportToMarkdown, validateDataset } from './validate-dataset';

function dataset(labels: string[], features?: number[][]): Dataset {
  const rows = features ?? labels.map((_, i) => [i, i + 1]);
  return { name: 't', featureShape: [2], classes: [...new Set(labels)].sort(), features: Float32Array.from(rows.flat()), labels };
}

describe('validateDataset', () => {
  it('passes a clean, balanced dataset and counts its classes', () => {
    const report = validateDataset(dataset(['a', 'b', 'a', 'b']), { minPerClass: 2 });
    expect(report.errors).toEqual([]);
    expect(report.classCounts).toEqual({ a: 2, b: 2 });
    expect(report.imbalanceRatio).toBe(1);
  });

  it('names the row, field, expected and found value of an unknown label', () => {
    const report = validateDataset(dataset(['a', 'b', 'c', 'a', 'b']), { classes: ['a', 'b'], minPerClass: 1 });
    expect(report.unknownLabels).toEqual([{ row: 3, field: 'label', expected: 'one of a, b', found: 'c' }]);
    expect(report.errors[0]).toBe('1 row(s) have a label outside the task\'s classes; first: row 3, field "label", expected one of a, b, found "c"');
  });

  it('fails classes under the minimum and a single class', () => {
    expect(validateDataset(dataset(['a', 'a', 'a', 'b']), { minPerClass: 2 }).errors).toEqual(['class(es) below minPerClass 2: b (1)']);
    expect(validateDataset(dataset(['a', 'a']), { minPerClass: 1 }).errors).toContain('need at least 2 classes with examples, found 1');
  });

  it('counts duplicates, conflicting labels and non-finite values', () => {
    const report = validateDataset(dataset(['a', 'b', 'a', 'b'], [[1, 1], [1, 1], [2, 2], [NaN, 0]]), { minPerClass: 1 });
    expect(report.duplicateRows).toBe(1);
    expect(report.conflictingLabels).toBe(1);
    expect(report.nonFiniteValues).toBe(1);
    expect(report.errors).toContain('1 feature value(s) are NaN or infinite');
    expect(report.warnings).toContain('1 duplicate input(s) carry conflicting labels');
  });

  it('refuses a dataset whose rows are all one row', () => {
    expect(validateDataset(dataset(['a', 'b', 'a'], [[1, 1], [1, 1], [1, 1]]), { minPerClass: 1 }).errors).toContain('all rows are duplicates of one row');
  });

  it('warns, without failing, on imbalance and on a small dataset', () => {
    const labels = [...Array(30).fill('a'), 'b', 'b'];
    const report = validateDataset(dataset(labels), { minPerClass: 2, maxImbalance: 10, recommendedRows: 100 });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual(['class imbalance 15.0:1 exceeds 10:1', 'only 32 rows; fine-tuning usually wants at least 100']);
    expect(reportToMarkdown(report)).toContain('| a | 30 |');
  });
});

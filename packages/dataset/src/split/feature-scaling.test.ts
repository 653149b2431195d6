import { fitScaling } from './feature-scaling';

const table = (rows: number[][], names = ['a', 'b']) => ({
  name: 't',
  featureShape: [rows[0]!.length],
  classes: ['x'],
  features: Float32Array.from(rows.flat()),
  labels: rows.map(() => 'x'),
  featureNames: names,
});

describe('fitScaling', () => {
  it('is the mean and population standard deviation of each feature; a constant feature is only centred', () => {
    const s = fitScaling(
      table([
        [1, 5],
        [3, 5],
        [5, 5],
      ]),
    )!;
    expect(s.mean).toEqual([3, 5]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(s.std[1]).toBe(1);
  });

  it('leaves rows that are not a table (images, vectors) unscaled', () => {
    expect(fitScaling({ ...table([[1, 2]]), featureNames: undefined })).toBeUndefined();
    expect(fitScaling({ ...table([[1, 2, 3, 4]], ['a', 'b', 'c', 'd']), featureShape: [2, 2] })).toBeUndefined();
  });
});

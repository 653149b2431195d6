import { createRng } from '@anneal/contracts';
import type { Dataset } from '../dataset-format';
import { measureDrift, psi } from './drift';

function normal(n: number, mean: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => mean + Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

describe('drift', () => {
  it('PSI is near 0 for samples of one distribution and large for a shifted one', () => {
    expect(psi(normal(5000, 0, 1), normal(5000, 0, 2))).toBeLessThan(0.02);
    expect(psi(normal(5000, 0, 1), normal(5000, 1, 2))).toBeGreaterThan(0.25);
  });

  it('measures per-column PSI by name and the label shift', () => {
    const make = (shift: number, bShare: number): Dataset => {
      const x = normal(2000, shift, 3 + shift);
      const y = normal(2000, 0, 5 + shift);
      return {
        name: `d${shift}`,
        featureShape: [2],
        classes: ['a', 'b'],
        featureNames: ['x', 'y'],
        features: Float32Array.from({ length: 4000 }, (_, i) => (i % 2 === 0 ? (x[i / 2] as number) : (y[(i - 1) / 2] as number))),
        labels: Array.from({ length: 2000 }, (_, i) => (i < 2000 * bShare ? 'b' : 'a')),
      };
    };
    const report = measureDrift(make(1, 0.5), make(0, 0.3));
    expect(report.features[0]?.feature).toBe('x');
    expect(report.maxPsi).toBeGreaterThan(0.25);
    expect(report.features.find((f) => f.feature === 'y')?.psi).toBeLessThan(0.05);
    expect(report.labelShift).toBeCloseTo(0.2, 5);
  });
});

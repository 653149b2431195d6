import { PNG } from 'pngjs';
import { classificationReport, macroF1, rocAuc } from './classification-metrics';
import { confusionMatrixPng } from './confusion-png';

describe('classification metrics', () => {
  it('computes accuracy, the confusion matrix and the loss', () => {
    // rows: true 0 predicted 0, true 1 predicted 1, true 1 predicted 0
    const probs = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.4]);
    const r = classificationReport(probs, [0, 1, 1], 2);
    expect(r.accuracy).toBeCloseTo(2 / 3);
    expect(r.confusion).toEqual([[1, 0], [1, 1]]);
    expect(r.loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.4)) / 3, 5);
  });

  it('macro-F1 averages per-class F1 (sklearn gives 0.6667 here)', () => {
    // class 0: tp 1, fp 1, fn 0 -> 2/3; class 1: tp 1, fp 0, fn 1 -> 2/3
    expect(macroF1([[1, 0], [1, 1]])).toBeCloseTo(2 / 3);
    expect(macroF1([[2, 0], [0, 0]])).toBeCloseTo(0.5); // a class never predicted nor present scores 0
  });

  it('ROC-AUC matches the rank formula, with ties counted half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75); // sklearn: 0.75
    expect(rocAuc([0.5, 0.5], [false, true])).toBeCloseTo(0.5);
    expect(rocAuc([0.1, 0.9], [true, true])).toBeNaN();
    const perfect = classificationReport(Float32Array.from([1, 0, 0, 1]), [0, 1], 2);
    expect(perfect.rocAucMacro).toBe(1);
  });

  it('rejects probabilities that do not match the labels', () => {
    expect(() => classificationReport(Float32Array.from([1, 0]), [0, 1], 2)).toThrow('expected 4 probabilities, got 2');
  });

  it('draws the confusion matrix as a PNG whose cells darken with the count', () => {
    const png = PNG.sync.read(confusionMatrixPng([[9, 1], [0, 5]], ['5', '6']));
    expect(png.width).toBe(24 + 2 * 36 + 4);
    const pixel = (x: number, y: number) => png.data[(y * png.width + x) * 4] as number;
    // near the top-left corner of each cell (away from the digits)
    expect(pixel(24 + 1, 24 + 1)).toBeLessThan(pixel(24 + 36 + 1, 24 + 1)); // 9 darker than 1
    expect(pixel(24 + 1, 24 + 36 + 1)).toBe(255); // 0 is white
  });
});

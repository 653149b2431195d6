import { classificationReport, macroF1, rocAuc } from './classification-metrics';

describe('classification metrics', () => {
  it('computes accuracy, the confusion matrix and the loss', () => {
    // rows: true 0 predicted 0, true 1 predicted 1, true 1 predicted 0
    const probs = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.4]);
    const r = classificationReport(probs, [0, 1, 1], 2);
    expect(r.accuracy).toBeCloseTo(2 / 3);
    expect(r.confusion).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(r.loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.4)) / 3, 5);
  });

  it('macro-F1 averages per-class F1 (sklearn gives 0.6667 here)', () => {
    // class 0: tp 1, fp 1, fn 0 -> 2/3; class 1: tp 1, fp 0, fn 1 -> 2/3
    expect(
      macroF1([
        [1, 0],
        [1, 1],
      ]),
    ).toBeCloseTo(2 / 3);
    expect(
      macroF1([
        [2, 0],
        [0, 0],
      ]),
    ).toBeCloseTo(0.5); // a class never predicted nor present scores 0
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
});

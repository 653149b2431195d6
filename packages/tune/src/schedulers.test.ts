import { Asha, MedianStopping, SuccessiveHalving, rungBudgets } from './schedulers';

describe('ASHA', () => {
  it('rung budgets grow by the reduction factor up to the maximum', () => {
    expect(rungBudgets({ minEpochs: 1, reductionFactor: 3, maxEpochs: 27 })).toEqual([1, 3, 9, 27]);
    expect(rungBudgets({ minEpochs: 2, reductionFactor: 2, maxEpochs: 10 })).toEqual([2, 4, 8, 10]);
    expect(rungBudgets({ minEpochs: 5, reductionFactor: 3, maxEpochs: 5 })).toEqual([5]);
  });

  it('promotes the top 1/eta of a rung, best first, highest rung first, each trial once per rung', () => {
    const asha = new Asha({ minEpochs: 1, reductionFactor: 3, maxEpochs: 9 });
    asha.record(0, { trial: 0, score: 0.5, done: false });
    asha.record(0, { trial: 1, score: 0.9, done: false });
    expect(asha.nextPromotion()).toBeUndefined(); // 2 results: floor(2/3) = 0 promotable
    asha.record(0, { trial: 2, score: 0.7, done: false });
    expect(asha.nextPromotion()).toEqual({ trial: 1, rung: 1, epochs: 3 });
    expect(asha.nextPromotion()).toBeUndefined(); // trial 1 already promoted from rung 0
    for (const [trial, score] of [
      [3, 0.95],
      [4, 0.2],
      [5, 0.1],
    ] as const)
      asha.record(0, { trial, score, done: false });
    expect(asha.nextPromotion()).toEqual({ trial: 3, rung: 1, epochs: 3 }); // top 2 of 6: trials 3 and 1
    asha.record(1, { trial: 1, score: 0.92, done: false });
    asha.record(1, { trial: 3, score: 0.8, done: false });
    asha.record(1, { trial: 2, score: 0.85, done: false });
    expect(asha.nextPromotion()).toEqual({ trial: 1, rung: 2, epochs: 9 }); // the higher rung goes first
    expect(asha.summary()).toEqual([
      { rung: 0, epochs: 1, trials: 6, promoted: 2 },
      { rung: 1, epochs: 3, trials: 3, promoted: 1 },
      { rung: 2, epochs: 9, trials: 0, promoted: 0 },
    ]);
  });

  it('never promotes a trial that early stopping ended', () => {
    const asha = new Asha({ minEpochs: 1, reductionFactor: 2, maxEpochs: 4 });
    asha.record(0, { trial: 0, score: 0.99, done: true });
    asha.record(0, { trial: 1, score: 0.5, done: false });
    expect(asha.nextPromotion()).toBeUndefined(); // the top half is trial 0, which stopped
  });

  it('synchronous SHA decides a rung once all its trials are in, then promotes its top 1/eta', () => {
    const sha = new SuccessiveHalving({ minEpochs: 1, reductionFactor: 2, maxEpochs: 4, trials: 4 });
    expect(sha.budgets).toEqual([1, 2, 4]);
    sha.record(0, { trial: 0, score: 0.9, done: false });
    sha.record(0, { trial: 1, score: 0.2, done: false });
    sha.record(0, { trial: 2, score: 0.7, done: false });
    expect(sha.nextPromotion()).toBeUndefined(); // 3 of 4 in: the rung is not decided yet
    sha.record(0, { trial: 3, score: -Infinity, done: true }); // a failed run counts, and never goes on
    expect([sha.nextPromotion(), sha.nextPromotion(), sha.nextPromotion()]).toEqual([
      { trial: 0, rung: 1, epochs: 2 },
      { trial: 2, rung: 1, epochs: 2 },
      undefined,
    ]);
    sha.record(1, { trial: 2, score: 0.8, done: false });
    expect(sha.nextPromotion()).toBeUndefined();
    sha.record(1, { trial: 0, score: 0.75, done: false });
    expect(sha.nextPromotion()).toEqual({ trial: 2, rung: 2, epochs: 4 });
  });

  it('the median rule lets a trial go on when it is at least the median of its rung so far', () => {
    const median = new MedianStopping({ minEpochs: 1, reductionFactor: 2, maxEpochs: 4, minTrials: 3 });
    median.record(0, { trial: 0, score: 0.3, done: false });
    expect(median.nextPromotion()).toEqual({ trial: 0, rung: 1, epochs: 2 }); // fewer than 3 results: go on
    median.record(0, { trial: 1, score: 0.5, done: false });
    median.record(0, { trial: 2, score: 0.1, done: false });
    expect(median.nextPromotion()).toEqual({ trial: 1, rung: 1, epochs: 2 }); // median 0.3: trial 1 goes on
    expect(median.nextPromotion()).toBeUndefined(); // trial 2 is below it; trial 0 went on already
  });

  it('a snapshot (plain JSON, a failed run too) restores a scheduler that decides as the original would', () => {
    const sha = new SuccessiveHalving({ minEpochs: 1, reductionFactor: 2, maxEpochs: 4, trials: 4 });
    [0.9, 0.2, 0.7].forEach((score, trial) => sha.record(0, { trial, score, done: false }));
    sha.record(0, { trial: 3, score: -Infinity, done: true });
    expect(sha.hasPromotion()).toBe(true);
    expect(sha.nextPromotion()).toEqual({ trial: 0, rung: 1, epochs: 2 });
    const copy = new SuccessiveHalving({ minEpochs: 1, reductionFactor: 2, maxEpochs: 4, trials: 4 });
    copy.restore(JSON.parse(JSON.stringify(sha.snapshot())));
    expect(copy.snapshot()).toEqual(sha.snapshot());
    expect([copy.nextPromotion(), copy.hasPromotion(), copy.nextPromotion()]).toEqual([{ trial: 2, rung: 1, epochs: 2 }, false, undefined]);
    expect(copy.summary()).toEqual([
      { rung: 0, epochs: 1, trials: 4, promoted: 2 },
      { rung: 1, epochs: 2, trials: 0, promoted: 0 },
      { rung: 2, epochs: 4, trials: 0, promoted: 0 },
    ]);
  });
});

import { EpochReports, type BestEpoch } from './epoch-reports';

const report = (trial: number, epoch: number, valAccuracy: number | null, valLoss: number | null = 1 - (valAccuracy ?? 1)) => ({
  trial,
  epoch,
  valAccuracy,
  valLoss,
});

describe("a study's fold of its trials' epoch reports", () => {
  it("takes each (trial, epoch) of a running trial once; a retry's repeats and a late report change nothing", () => {
    const bests: BestEpoch[] = [];
    const reports = new EpochReports({ objective: { metric: 'accuracy', direction: 'maximize' }, onBetter: (b) => bests.push(b) });
    reports.started(0);
    reports.started(1);
    expect([0, 1, 2].map((e) => reports.take(report(0, e, 0.5 + e / 10)))).toEqual([true, true, true]);
    // The retried attempt resumes after its checkpoint of epoch 0 and reports 1 and 2 again.
    expect([1, 2].map((e) => reports.take(report(0, e, 0.99)))).toEqual([false, false]);
    expect(reports.take(report(1, 0, 0.6))).toBe(true);
    reports.ended(1);
    expect(reports.take(report(1, 1, 0.95))).toBe(false);
    expect(reports.take(report(7, 0, 0.95))).toBe(false);
    expect(reports.snapshot()).toEqual({ reported: 4, best: { trial: 0, epoch: 2, metric: 'val_accuracy', value: 0.7 } });
    expect(bests.map((b) => `${b.trial}@${b.epoch}`)).toEqual(['0@0', '0@1', '0@2']);
    expect(reports.live()).toEqual([{ trial: 0, epochs: 3, last: report(0, 2, 0.7) }]);
  });

  it('goes by validation loss when the objective is the loss; a diverged epoch is counted, never the best', () => {
    const carried = { reported: 10, best: { trial: 3, epoch: 4, metric: 'val_loss' as const, value: 0.3 } };
    const reports = new EpochReports({ objective: { metric: 'loss', direction: 'minimize' }, carried });
    reports.started(5);
    reports.take(report(5, 0, null, null));
    reports.take(report(5, 1, 0.2, 0.4));
    expect(reports.snapshot()).toEqual({ reported: 12, best: carried.best });
    reports.take(report(5, 2, 0.1, 0.25));
    expect(reports.snapshot().best).toEqual({ trial: 5, epoch: 2, metric: 'val_loss', value: 0.25 });
  });
});

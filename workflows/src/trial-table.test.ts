import type { TrialResult } from './trial';
import { armTrials, rowOf } from './trial-table';

const result = (o: { strategy: 'full' | 'feature-extraction'; accuracy: number; loss?: number }): TrialResult =>
  ({
    label: `${o.strategy} ${o.accuracy}`,
    hyperparameters: { strategy: o.strategy, learningRate: 0.01, epochs: 3 },
    fineTune: { epochsRun: 2 },
    validation: { accuracy: o.accuracy, macroF1: o.accuracy, rocAucMacro: o.accuracy, loss: o.loss ?? 1 - o.accuracy },
    trialRunId: `run-${o.accuracy}`,
  }) as TrialResult;

it('a row says what the table and report need: trial, candidate, strategy, learning rate, epochs run, metrics, run', () => {
  expect(rowOf({ trial: 4, candidate: 1, result: result({ strategy: 'full', accuracy: 0.8 }) })).toEqual({
    trial: 4,
    candidate: 1,
    label: 'full 0.8',
    strategy: 'full',
    learningRate: 0.01,
    epochs: 3,
    epochsRun: 2,
    validation: { accuracy: 0.8, macroF1: 0.8, rocAucMacro: 0.8, loss: expect.closeTo(0.2) },
    runId: 'run-0.8',
  });
});

it('an arm is the best trial of each candidate and strategy by the objective, the first of a tie', () => {
  const rows = [
    { candidate: 0, strategy: 'full' as const, accuracy: 0.7 },
    { candidate: 0, strategy: 'full' as const, accuracy: 0.9 },
    { candidate: 0, strategy: 'full' as const, accuracy: 0.9 },
    { candidate: 0, strategy: 'feature-extraction' as const, accuracy: 0.6 },
    { candidate: 1, strategy: 'full' as const, accuracy: 0.5, loss: 0.1 },
    { candidate: 1, strategy: 'full' as const, accuracy: 0.95, loss: 0.9 },
  ].map((r, trial) => rowOf({ trial, candidate: r.candidate, result: result(r) }));
  expect([...armTrials(rows, { metric: 'accuracy', direction: 'maximize' })].sort()).toEqual([1, 3, 5]);
  // By loss, lower is better: candidate 1's first trial wins its group.
  expect([...armTrials(rows, { metric: 'loss', direction: 'minimize' })].sort()).toEqual([1, 3, 4]);
});

import type { FineTuneResult } from '@anneal/workflows';
import { formatResult } from './start-pipeline';

const metrics = { accuracy: 0.9, macroF1: 0.88, rocAucMacro: 0.97, loss: 0.3 };
const hp = { learningRate: 0.003, epochs: 9, batchSize: 32, strategy: 'full' as const, patience: 3, minDelta: 0, lrSchedule: { kind: 'constant' as const }, regularization: { headDropout: 0, l2: 0, labelSmoothing: 0 } };

it('says what a scheduled study did: rung runs by decision and the epochs trained in all', () => {
  const result = {
    experimentId: '1', pipelineRunId: 'p', selectedModel: 'scratch', probes: [], failedTrials: [],
    trials: [0, 1, 2].map((i) => ({ label: `trial ${i}`, hyperparameters: hp, validationAccuracy: 0.9, validation: metrics, epochsRun: 1 })),
    arms: [{ arm: 'scratch full', trial: 'trial 1', hyperparameters: hp, validation: metrics, test: metrics, champion: true }],
    registered: { name: 'm', version: '1', alias: 'champion' },
    decisions: [
      { trial: 0, rung: 0, epochs: 1, score: 0.5, decision: 'not promoted' }, { trial: 1, rung: 0, epochs: 1, score: 0.8, decision: 'promoted' },
      { trial: 2, rung: 0, epochs: 1, score: 0.6, decision: 'not promoted' }, { trial: 1, rung: 1, epochs: 3, score: 0.9, decision: 'completed' },
    ],
  } as FineTuneResult;
  expect(formatResult(result).split('\n')[2]).toBe('study: 4 rung runs, 5 epochs in all: 2 not promoted, 1 promoted, 1 completed');
});

import { hyperparametersOf, type SearchSpace } from '@anneal/tune';
import { carryTrial, restoreTrial } from './carried-trials';
import type { TrialResult } from './trial';
import { rowOf } from './trial-table';

const space: SearchSpace = {
  learningRate: { min: 1e-4, max: 1e-1 },
  strategies: ['feature-extraction', 'full'],
  epochs: [9],
  batchSize: 32,
  patience: 3,
  dimensions: { batchSize: [16, 64] },
};
const suggestion = { learningRate: 0.003, epochs: 9, strategy: 'full' as const, picks: { batchSize: 64 } };
const metrics = { accuracy: 0.9, macroF1: 0.88, rocAucMacro: 0.97, loss: 0.3 };
const result: TrialResult = {
  label: 'trial 4 full lr=0.003 epochs=9 (tpe, rung 0: 1 epochs)',
  hyperparameters: hyperparametersOf(space, suggestion),
  fineTune: {
    model: { uri: 'mlflow-artifacts:/1/r/artifacts/model', digest: 'b'.repeat(64), name: 'm', inputShape: [4], baseLayers: 1 },
    runId: 'ft',
    backend: 'tensorflow',
    engine: 'graph',
    epochsRun: 1,
    bestEpoch: 0,
    bestValLoss: 0.3,
    bestValAccuracy: 0.9,
    startEpoch: 0,
    stoppedEarly: false,
    checkpoint: { uri: 'mlflow-artifacts:/1/r/artifacts/checkpoints/epoch-0', digest: 'e'.repeat(64), epoch: 0 },
  },
  validation: metrics,
  trialRunId: 'run-4',
};

it('a paused trial carried as its training output and suggestion comes back whole, from its row', () => {
  const carried = carryTrial(4, { result, suggestion });
  expect(Object.keys(carried).sort()).toEqual(['fineTune', 'suggestion', 'trial']);
  expect(JSON.stringify(carried).length).toBeLessThan(JSON.stringify({ trial: 4, result, suggestion }).length * 0.75);
  expect(restoreTrial(carried, rowOf({ trial: 4, candidate: 0, result }), space)).toEqual(result);
});

it('a state carried before keeps its whole results; a slim one without its row is an error, not a guess', () => {
  expect(restoreTrial({ trial: 4, suggestion, result }, undefined, space)).toBe(result);
  expect(() => restoreTrial(carryTrial(4, { result, suggestion }), undefined, space)).toThrow('trial 4 was carried without its row');
});

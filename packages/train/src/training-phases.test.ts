import { Hyperparameters } from '@anneal/contracts';
import { phaseAt, planPhases } from './training-phases';

const hp = (o: object) => Hyperparameters.parse({ learningRate: 0.01, epochs: 6, batchSize: 8, strategy: 'full', patience: 2, ...o });

describe('planPhases', () => {
  it('is one phase for the one-phase strategies', () => {
    expect(planPhases(hp({}))).toEqual([{ from: 0, to: 6, strategy: 'full', learningRateFactor: 1, patience: 2 }]);
  });

  it('two-phase: the head without early stopping, then the whole model (or the unfrozen part) at the lower rate', () => {
    expect(planPhases(hp({ strategy: 'two-phase', twoPhase: { headEpochs: 2, learningRateFactor: 0.2 } }))).toEqual([
      { from: 0, to: 2, strategy: 'feature-extraction', learningRateFactor: 1, patience: Number.POSITIVE_INFINITY },
      { from: 2, to: 6, strategy: 'full', learningRateFactor: 0.2, patience: 2 },
    ]);
    const partial = planPhases(hp({ strategy: 'two-phase', unfreeze: { topLayers: 1 } }));
    expect(partial[1]).toMatchObject({ from: 3, strategy: 'partial', learningRateFactor: 0.1 });
    expect(planPhases(hp({ strategy: 'two-phase', epochs: 2 }))).toHaveLength(1);
  });

  it('puts a resumed epoch in its phase', () => {
    const phases = planPhases(hp({ strategy: 'two-phase' }));
    expect([0, 2, 3, 5, 9].map((e) => phaseAt(phases, e))).toEqual([0, 0, 1, 1, 1]);
  });
});

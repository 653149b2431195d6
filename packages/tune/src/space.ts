import { NO_REGULARIZATION, type Hyperparameters, type Strategy } from '@anneal/contracts';
import type { SearchSpace } from './random-search';

/** What a sampler chooses; the rest of a trial's hyperparameters comes from the spec. */
export interface Suggestion {
  learningRate: number;
  epochs: number;
  strategy: Strategy;
}

/** A finished trial as samplers see it: what was tried and the objective it reached (higher is better). */
export interface Observation {
  suggestion: Suggestion;
  objective: number;
}

/** The one place a trial's hyperparameters are built: the spec's fixed settings with a sampler's suggestion. */
export function hyperparametersOf(space: SearchSpace, s: Suggestion): Hyperparameters {
  return {
    learningRate: s.learningRate,
    strategy: s.strategy,
    epochs: s.epochs,
    batchSize: space.batchSize,
    patience: space.patience,
    minDelta: space.minDelta ?? 0,
    lrSchedule: space.lrSchedule ?? { kind: 'constant' },
    regularization: space.regularization ?? NO_REGULARIZATION,
    ...(space.unfreeze ? { unfreeze: space.unfreeze } : {}),
    ...(space.monitor ? { monitor: space.monitor } : {}),
    ...(s.strategy === 'two-phase' && space.twoPhase ? { twoPhase: space.twoPhase } : {}),
    ...(space.augmentation ? { augmentation: space.augmentation } : {}),
  };
}

/** Learning rates are suggested to three significant digits: what the trial labels and MLflow params show. */
export function roundRate(lr: number): number {
  return Number(lr.toPrecision(3));
}

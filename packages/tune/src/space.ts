import {
  NO_REGULARIZATION,
  type Augmentation,
  type Hyperparameters,
  type LrSchedule,
  type Monitor,
  type Regularization,
  type Strategy,
  type TwoPhase,
  type Unfreeze,
} from '@anneal/contracts';
import { applyPicks, type Dimensions, type Picks } from './dimensions';

/** A model candidate as a sampler sees it: a from-scratch net has no pretrained features to freeze. */
export interface CandidateChoice {
  pretrained: boolean;
}

/** What a search ranges over (learning rate, strategies, epochs) and the settings every trial shares. */
export interface SearchSpace {
  learningRate: { min: number; max: number };
  /** With two or more, the model candidate is a dimension of the search too (a suggestion's `candidate`). */
  candidates?: readonly CandidateChoice[];
  /** More dimensions (batch size, regularization, augmentation, schedule), each a list of values to pick from. */
  dimensions?: Dimensions;
  strategies: readonly Strategy[];
  epochs: readonly number[];
  batchSize: number;
  patience: number;
  minDelta?: number;
  lrSchedule?: LrSchedule;
  unfreeze?: Unfreeze;
  regularization?: Regularization;
  monitor?: Monitor;
  twoPhase?: TwoPhase;
  augmentation?: Augmentation;
}

/** What a sampler chooses; the rest of a trial's hyperparameters comes from the spec. */
export interface Suggestion {
  learningRate: number;
  epochs: number;
  strategy: Strategy;
  /** The index of the model candidate in the space's `candidates`, when the search ranges over them. */
  candidate?: number;
  /** What was picked in each of the space's `dimensions`, as indices into their lists. */
  picks?: Picks;
}

/** A finished trial as samplers see it: what was tried and the objective it reached (higher is better). */
export interface Observation {
  suggestion: Suggestion;
  objective: number;
}

/** The one place a trial's hyperparameters are built: the spec's fixed settings with a sampler's suggestion. */
export function hyperparametersOf(space: SearchSpace, s: Suggestion): Hyperparameters {
  const fixed: Hyperparameters = {
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
  return applyPicks(fixed, space.dimensions, s.picks);
}

/** Whether the model candidate is a dimension of the search. */
export function searchesCandidates(space: SearchSpace): boolean {
  return (space.candidates?.length ?? 0) > 1;
}

/** Freezing (all or part of) a randomly initialised base would train on noise features: scratch nets train fully. */
export function strategiesFor(space: SearchSpace, candidate: number | undefined): readonly Strategy[] {
  const c = candidate === undefined ? undefined : space.candidates?.[candidate];
  return c && !c.pretrained ? ['full'] : space.strategies;
}

/** Learning rates are suggested to three significant digits: what the trial labels and MLflow params show. */
export function roundRate(lr: number): number {
  return Number(lr.toPrecision(3));
}

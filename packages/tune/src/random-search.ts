import { createRng, type Hyperparameters, type Strategy } from '@anneal/contracts';
import { hyperparametersOf, roundRate, type SearchSpace } from './space';

export type { SearchSpace } from './space';

/**
 * Seeded random search: learning rate log-uniform in [min, max], strategy and epochs drawn from their lists.
 * Strategies are cycled rather than drawn so that a few trials still try each one.
 */
export function randomSearch(space: SearchSpace, options: { trials: number; seed: number }): Hyperparameters[] {
  const rng = createRng(options.seed);
  const logMin = Math.log(space.learningRate.min);
  const logMax = Math.log(space.learningRate.max);
  return Array.from({ length: options.trials }, (_, i) => {
    const strategy = space.strategies[i % space.strategies.length] as Strategy;
    const learningRate = roundRate(Math.exp(logMin + rng() * (logMax - logMin)));
    return hyperparametersOf(space, { learningRate, strategy, epochs: space.epochs[Math.floor(rng() * space.epochs.length)] as number });
  });
}

/** Index of the best trial by a score (higher is better); ties go to the earlier trial. */
export function bestBy<T>(items: readonly T[], score: (item: T) => number): number {
  let best = -1;
  items.forEach((item, i) => {
    if (best < 0 || score(item) > score(items[best] as T)) best = i;
  });
  return best;
}

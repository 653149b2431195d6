import { createRng, shuffled, type Strategy } from '@anneal/contracts';
import { dimensionsOf, type Picks } from './dimensions';
import { roundRate, searchesCandidates, strategiesFor, type Observation, type SearchSpace, type Suggestion } from './space';
import { tpeSuggest } from './tpe';

export interface SuggestOptions {
  /** Finished trials, in the order they finished (or were submitted): what the sampler learns from. */
  history: readonly Observation[];
  /** Suggestions running now, not finished: a parallel sampler must not suggest them again. */
  pending: readonly Suggestion[];
  /** The index of the first suggestion asked for (trials are numbered from 0 across the whole search). */
  index: number;
  count: number;
}

/**
 * Suggests the next configurations from the history so far: pure, seeded and free of I/O, so it runs inside a
 * workflow and a replay suggests the same. The seam where the next sampler plugs in.
 */
export interface Sampler {
  readonly name: string;
  suggest(o: SuggestOptions): Suggestion[];
}

export type SamplerName = 'random' | 'grid' | 'tpe';

/** The sampler of a spec's `tuning.sampler`, with warm-start configurations tried first when given. */
export function createSampler(
  name: SamplerName,
  space: SearchSpace,
  o: { seed: number; gridPoints?: number; startup?: number; warmStart?: readonly Suggestion[] },
): Sampler {
  const inner =
    name === 'grid' ? gridSampler(space, o.seed, o.gridPoints ?? 3) : name === 'tpe' ? tpeSampler(space, o.seed, o.startup ?? 4) : randomSampler(space, o.seed);
  return o.warmStart?.length ? warmStarted(inner, o.warmStart) : inner;
}

/**
 * Log-uniform learning rate, epochs, (the candidate, when the space has several,) and a strategy that candidate can
 * take, drawn uniformly; suggestion i is drawn from its own seeded stream.
 */
export function randomSampler(space: SearchSpace, seed: number): Sampler {
  return { name: 'random', suggest: (o) => Array.from({ length: o.count }, (_, k) => randomSuggestion(space, createRng(seed * 7919 + o.index + k))) };
}

export function randomSuggestion(space: SearchSpace, rng: () => number): Suggestion {
  const [lo, hi] = [Math.log(space.learningRate.min), Math.log(space.learningRate.max)];
  // Drawn in this order, the candidate only when searched: a single-model search draws what it always drew.
  const learningRate = roundRate(Math.exp(lo + rng() * (hi - lo)));
  const epochs = space.epochs[Math.floor(rng() * space.epochs.length)] as number;
  const candidate = searchesCandidates(space) ? Math.floor(rng() * (space.candidates?.length ?? 1)) : undefined;
  const strategies = strategiesFor(space, candidate);
  const strategy = strategies[Math.floor(rng() * strategies.length)] as Strategy;
  const dims = dimensionsOf(space.dimensions);
  const picks: Picks = Object.fromEntries(dims.map(([name, values]) => [name, Math.floor(rng() * values.length)]));
  return { learningRate, epochs, strategy, ...(candidate === undefined ? {} : { candidate }), ...(dims.length ? { picks } : {}) };
}

/**
 * Every combination of `points` log-spaced learning rates, the epochs, the candidates (when searched) and the
 * strategies each can take, in a seeded order (so a search with fewer trials than the grid still spreads over it);
 * past the end it starts again.
 */
export function gridSampler(space: SearchSpace, seed: number, points: number): Sampler {
  const rates = logSpaced(space.learningRate, points);
  const models = searchesCandidates(space) ? (space.candidates ?? []).map((_c, i) => i) : [undefined];
  const grid = rates.flatMap((learningRate) =>
    space.epochs.flatMap((epochs) =>
      models.flatMap((candidate) =>
        strategiesFor(space, candidate).flatMap((strategy) =>
          allPicks(space).map((picks) => ({ learningRate, epochs, strategy, ...(candidate === undefined ? {} : { candidate }), ...(picks ? { picks } : {}) })),
        ),
      ),
    ),
  );
  const order = shuffled(grid, createRng(seed));
  return { name: 'grid', suggest: (o) => Array.from({ length: o.count }, (_, k) => order[(o.index + k) % order.length] as Suggestion) };
}

/** Every combination of the dimensions' values ([undefined] when the space has none). */
function allPicks(space: SearchSpace): (Picks | undefined)[] {
  const dims = dimensionsOf(space.dimensions);
  if (dims.length === 0) return [undefined];
  return dims.reduce<Picks[]>((acc, [name, values]) => acc.flatMap((p) => values.map((_v, i) => ({ ...p, [name]: i }))), [{}]);
}

function logSpaced(range: { min: number; max: number }, points: number): number[] {
  if (points === 1 || range.min === range.max) return [roundRate(Math.sqrt(range.min * range.max))];
  const [lo, hi] = [Math.log(range.min), Math.log(range.max)];
  return Array.from({ length: points }, (_, i) => roundRate(Math.exp(lo + ((hi - lo) * i) / (points - 1))));
}

/**
 * Tree-structured Parzen estimator (Bergstra et al. 2011): `startup` random suggestions, then each dimension drawn
 * where good trials are dense and bad ones sparse. Parallel suggestions use a constant liar: pending ones (and those
 * suggested earlier in the same call) count as finished with the worst objective seen, so they are not suggested twice.
 */
export function tpeSampler(space: SearchSpace, seed: number, startup: number): Sampler {
  return {
    name: 'tpe',
    suggest(o) {
      const out: Suggestion[] = [];
      for (let k = 0; k < o.count; k++) {
        const rng = createRng(seed * 7919 + o.index + k);
        if (o.history.length < startup) {
          out.push(randomSuggestion(space, rng));
          continue;
        }
        const worst = Math.min(...o.history.map((h) => h.objective));
        const lies = [...o.pending, ...out].map((suggestion) => ({ suggestion, objective: worst }));
        out.push(tpeSuggest(space, [...o.history, ...lies], rng));
      }
      return out;
    },
  };
}

/** Given configurations first (a user's guesses, or the best of an earlier study), then the inner sampler. */
export function warmStarted(inner: Sampler, first: readonly Suggestion[]): Sampler {
  return {
    name: `${inner.name}+warm-start`,
    suggest(o) {
      const given = first.slice(o.index, o.index + o.count);
      const rest = o.count - given.length;
      return rest > 0 ? [...given, ...inner.suggest({ ...o, pending: [...o.pending, ...given], index: o.index + given.length, count: rest })] : given;
    },
  };
}

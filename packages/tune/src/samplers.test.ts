import { createSampler, gridSampler, tpeSampler, warmStarted, type Sampler } from './samplers';
import { hyperparametersOf, type Observation, type SearchSpace, type Suggestion } from './space';

const space = { learningRate: { min: 1e-4, max: 1e-1 }, strategies: ['feature-extraction', 'full'] as const, epochs: [3, 6, 12], batchSize: 32, patience: 2 };

/** A synthetic objective with its peak at lr 3e-3, 12 epochs, full fine-tuning (higher is better, 1 at best). */
function objective(s: Suggestion): number {
  return 1 - (Math.log10(s.learningRate) - Math.log10(3e-3)) ** 2 / 9 - (12 - s.epochs) / 120 - (s.strategy === 'full' ? 0 : 0.05);
}

/** Runs a search of `trials` trials, `parallel` at a time, and returns the best objective found. */
function search(sampler: Sampler, o: { trials: number; parallel: number }): number {
  const history: Observation[] = [];
  while (history.length < o.trials) {
    const batch = sampler.suggest({ history, pending: [], index: history.length, count: Math.min(o.parallel, o.trials - history.length) });
    history.push(...batch.map((suggestion) => ({ suggestion, objective: objective(suggestion) })));
  }
  return Math.max(...history.map((h) => h.objective));
}

/** Of the last 12 of 24 TPE trials, one at a time, over 8 seeds: how many `took` the better option. */
function laterTpeTrials(space: SearchSpace, score: (s: Suggestion) => number, took: (s: Suggestion) => boolean): number {
  let count = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const sampler = tpeSampler(space, seed, 6);
    const history: Observation[] = [];
    while (history.length < 24) {
      const [s] = sampler.suggest({ history, pending: [], index: history.length, count: 1 }) as [Suggestion];
      history.push({ suggestion: s, objective: score(s) });
    }
    count += history.slice(12).filter((h) => took(h.suggestion)).length;
  }
  return count;
}

describe('samplers', () => {
  it('suggest the same from the same history: a replayed workflow makes the same trials', () => {
    for (const name of ['random', 'grid', 'tpe'] as const) {
      const history = [0.001, 0.01, 0.0003, 0.05, 0.002].map((learningRate, i) => ({
        suggestion: { learningRate, epochs: 3, strategy: 'full' as const },
        objective: i / 10,
      }));
      const a = createSampler(name, space, { seed: 4 }).suggest({ history, pending: [], index: 5, count: 3 });
      const b = createSampler(name, space, { seed: 4 }).suggest({ history, pending: [], index: 5, count: 3 });
      expect(a).toEqual(b);
      for (const s of a) {
        expect(s.learningRate).toBeGreaterThanOrEqual(1e-4);
        expect(s.learningRate).toBeLessThanOrEqual(1e-1);
        expect(space.epochs).toContain(s.epochs);
      }
    }
  });

  it('grid: every combination once, in a seeded order, learning rates log-spaced', () => {
    const all = gridSampler(space, 1, 4).suggest({ history: [], pending: [], index: 0, count: 24 });
    expect(new Set(all.map((s) => JSON.stringify(s))).size).toBe(4 * 3 * 2);
    expect([...new Set(all.map((s) => s.learningRate))].sort((a, b) => a - b)).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
    expect(gridSampler(space, 2, 4).suggest({ history: [], pending: [], index: 0, count: 24 })).not.toEqual(all);
  });

  it('TPE finds better configurations than random search with the same budget, sequential or four at a time', () => {
    const seeds = Array.from({ length: 12 }, (_, i) => i + 1);
    const mean = (f: (seed: number) => number) => seeds.reduce((sum, s) => sum + f(s), 0) / seeds.length;
    for (const parallel of [1, 4]) {
      const random = mean((seed) => search(createSampler('random', space, { seed }), { trials: 24, parallel }));
      const tpe = mean((seed) => search(tpeSampler(space, seed, 6), { trials: 24, parallel }));
      expect(tpe).toBeGreaterThan(random);
      // Measured: 20 % of random search's regret one at a time, 32 % four at a time.
      expect(1 - tpe).toBeLessThan(0.5 * (1 - random));
    }
  });

  it('TPE with a constant liar does not suggest a pending configuration again', () => {
    const history = [1e-3, 2e-3, 5e-3, 1e-2, 3e-2, 1e-4].map((learningRate) => ({
      suggestion: { learningRate, epochs: 12, strategy: 'full' as const },
      objective: objective({ learningRate, epochs: 12, strategy: 'full' }),
    }));
    const batch = tpeSampler(space, 3, 4).suggest({ history, pending: [], index: 6, count: 4 });
    expect(new Set(batch.map((s) => JSON.stringify(s))).size).toBe(4);
  });

  it('warm start: the given configurations first, then the sampler', () => {
    const given: Suggestion[] = [
      { learningRate: 0.003, epochs: 12, strategy: 'full' },
      { learningRate: 0.01, epochs: 6, strategy: 'feature-extraction' },
    ];
    const warm = warmStarted(gridSampler(space, 1, 2), given);
    const first = warm.suggest({ history: [], pending: [], index: 0, count: 3 });
    expect(first.slice(0, 2)).toEqual(given);
    expect(first[2]).toEqual(gridSampler(space, 1, 2).suggest({ history: [], pending: [], index: 2, count: 1 })[0]);
    expect(warm.suggest({ history: [], pending: [], index: 3, count: 1 })).toEqual(
      gridSampler(space, 1, 2).suggest({ history: [], pending: [], index: 3, count: 1 }),
    );
  });

  describe('with the model candidate in the space', () => {
    const two = { ...space, candidates: [{ pretrained: true }, { pretrained: false }] };

    it('draws both candidates, and a from-scratch one only trains fully', () => {
      for (const name of ['random', 'grid', 'tpe'] as const) {
        const all = createSampler(name, two, { seed: 3, gridPoints: 2 }).suggest({ history: [], pending: [], index: 0, count: 18 });
        expect(new Set(all.map((s) => s.candidate))).toEqual(new Set([0, 1]));
        expect(all.filter((s) => s.candidate === 1).every((s) => s.strategy === 'full')).toBe(true);
        expect(new Set(all.filter((s) => s.candidate === 0).map((s) => s.strategy))).toEqual(new Set(['feature-extraction', 'full']));
      }
      // The grid: 2 rates x 3 epochs x (2 strategies of the pretrained one + 1 of the scratch one).
      const grid = gridSampler(two, 1, 2).suggest({ history: [], pending: [], index: 0, count: 18 });
      expect(new Set(grid.map((s) => JSON.stringify(s))).size).toBe(18);
    });

    it('a single candidate is not a dimension: the same suggestions as a space without candidates', () => {
      const one = { ...space, candidates: [{ pretrained: true }] };
      for (const name of ['random', 'grid', 'tpe'] as const) {
        const history = [0.001, 0.01, 0.0003, 0.05, 0.002].map((learningRate, i) => ({
          suggestion: { learningRate, epochs: 3, strategy: 'full' as const },
          objective: i / 10,
        }));
        const a = createSampler(name, one, { seed: 4 }).suggest({ history, pending: [], index: 5, count: 3 });
        expect(a).toEqual(createSampler(name, space, { seed: 4 }).suggest({ history, pending: [], index: 5, count: 3 }));
        expect(a.every((s) => s.candidate === undefined)).toBe(true);
      }
    });

    it('TPE learns which candidate is better and suggests it more often', () => {
      // The scratch net (candidate 1) trails the pretrained one by 0.2 whatever its learning rate.
      const score = (s: Suggestion) => objective(s) - (s.candidate === 1 ? 0.2 : 0);
      // Random search would put half of the last 12 trials (48 of 96) on each.
      expect(laterTpeTrials(two, score, (s) => s.candidate === 0)).toBeGreaterThan(72);
    });
  });

  describe('with more dimensions (batch size, regularization, augmentation, schedule)', () => {
    const wide = {
      ...space,
      augmentation: { shift: 2, rotation: 0, flipHorizontal: false, noise: 0, seed: 1 },
      dimensions: {
        batchSize: [16, 128],
        headDropout: [0, 0.3],
        augmentation: [true, false],
        lrSchedule: [{ kind: 'constant' as const }, { kind: 'cosine' as const, minLearningRate: 0 }],
      },
    };

    it('every sampler picks a value of each, and the trial gets it', () => {
      for (const name of ['random', 'grid', 'tpe'] as const) {
        const all = createSampler(name, wide, { seed: 2, gridPoints: 2 }).suggest({ history: [], pending: [], index: 0, count: 40 });
        for (const key of ['batchSize', 'headDropout', 'augmentation', 'lrSchedule'] as const) {
          expect(new Set(all.map((s) => s.picks?.[key]))).toEqual(new Set([0, 1]));
        }
        for (const s of all) {
          const hp = hyperparametersOf(wide, s);
          expect(hp.batchSize).toBe(wide.dimensions.batchSize[s.picks!.batchSize!]);
          expect(hp.regularization.headDropout).toBe(wide.dimensions.headDropout[s.picks!.headDropout!]);
          expect(hp.augmentation).toEqual(s.picks!.augmentation === 0 ? wide.augmentation : undefined);
          expect(hp.lrSchedule.kind).toBe(s.picks!.lrSchedule === 0 ? 'constant' : 'cosine');
        }
      }
      // The grid: 2 rates x 3 epochs x 2 strategies x 2 x 2 x 2 x 2.
      const grid = gridSampler(wide, 1, 2).suggest({ history: [], pending: [], index: 0, count: 192 });
      expect(new Set(grid.map((s) => JSON.stringify(s))).size).toBe(192);
    });

    it('TPE learns the better value of a dimension', () => {
      // A batch of 128 costs 0.2 whatever else.
      const score = (s: Suggestion) => objective(s) - (s.picks?.batchSize === 1 ? 0.2 : 0);
      // Random search would put half of the last 12 trials (48 of 96) on each.
      expect(laterTpeTrials(wide, score, (s) => s.picks?.batchSize === 0)).toBeGreaterThan(72);
    });
  });
});

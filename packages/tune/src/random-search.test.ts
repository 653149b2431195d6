import { bestBy, randomSearch } from './random-search';

const space = { learningRate: { min: 1e-4, max: 1e-2 }, strategies: ['feature-extraction', 'full'] as const, epochs: [3, 6], batchSize: 32, patience: 2 };

it('draws reproducible trials inside the space and tries every strategy', () => {
  const trials = randomSearch(space, { trials: 6, seed: 1 });
  expect(randomSearch(space, { trials: 6, seed: 1 })).toEqual(trials);
  expect(randomSearch(space, { trials: 6, seed: 2 })).not.toEqual(trials);
  for (const t of trials) {
    expect(t.learningRate).toBeGreaterThanOrEqual(1e-4);
    expect(t.learningRate).toBeLessThanOrEqual(1e-2);
    expect([3, 6]).toContain(t.epochs);
  }
  expect(trials.map((t) => t.strategy)).toEqual(['feature-extraction', 'full', 'feature-extraction', 'full', 'feature-extraction', 'full']);
  // log-uniform: both decades get some of 200 draws
  const many = randomSearch(space, { trials: 200, seed: 3 }).map((t) => t.learningRate);
  expect(many.filter((lr) => lr < 1e-3).length).toBeGreaterThan(60);
  expect(many.filter((lr) => lr >= 1e-3).length).toBeGreaterThan(60);
});

it('picks the best by score, the earlier on ties', () => {
  expect(bestBy([0.2, 0.9, 0.9, 0.1], (x) => x)).toBe(1);
  expect(bestBy([], (x: number) => x)).toBe(-1);
});

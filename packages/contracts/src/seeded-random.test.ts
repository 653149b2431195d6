import { createRng, shuffled } from './seeded-random';

it('is reproducible for a seed and differs between seeds', () => {
  const a = Array.from({ length: 5 }, createRng(1));
  expect(Array.from({ length: 5 }, createRng(1))).toEqual(a);
  expect(Array.from({ length: 5 }, createRng(2))).not.toEqual(a);
  for (const x of a) expect(x >= 0 && x < 1).toBe(true);
});

it('shuffles a copy, keeping every item', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const out = shuffled(items, createRng(3));
  expect(out).not.toEqual(items);
  expect([...out].sort((x, y) => x - y)).toEqual(items);
  expect(items[0]).toBe(0);
});

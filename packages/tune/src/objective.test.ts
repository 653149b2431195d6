import { Objective } from '@anneal/contracts';
import { bestBy } from './random-search';
import { scoreOf } from './objective';

const trials = [
  { accuracy: 0.9, macroF1: 0.7, rocAucMacro: 0.95, loss: 0.4 },
  { accuracy: 0.8, macroF1: 0.8, rocAucMacro: 0.97, loss: 0.35 },
];

it('scores by the objective: the metric, up or down as it should go', () => {
  const best = (value: unknown) => bestBy(trials, (m) => scoreOf(Objective.parse(value), m));
  expect(best({})).toBe(0); // accuracy, maximized
  expect(best({ metric: 'macroF1' })).toBe(1);
  expect(best({ metric: 'loss' })).toBe(1); // loss goes down by default
  expect(best({ metric: 'loss', direction: 'maximize' })).toBe(0);
  expect(Objective.safeParse({ metric: 'f1' }).success).toBe(false);
});

import { LearningRateSchedule } from './lr-schedule';

it('step divides the rate every N epochs', () => {
  const s = new LearningRateSchedule({ schedule: { kind: 'step', everyEpochs: 2, factor: 0.5 }, base: 0.1, epochs: 6 });
  expect([0, 1, 2, 3, 4].map((e) => s.at(e))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
});

it('cosine decays from the rate to the floor over the epochs', () => {
  const s = new LearningRateSchedule({ schedule: { kind: 'cosine', minLearningRate: 0.001 }, base: 0.01, epochs: 5 });
  expect(s.at(0)).toBeCloseTo(0.01);
  expect(s.at(2)).toBeCloseTo(0.0055);
  expect(s.at(4)).toBeCloseTo(0.001);
});

it('plateau lowers the rate after patience epochs without improvement, down to its floor', () => {
  const s = new LearningRateSchedule({ schedule: { kind: 'plateau', factor: 0.5, patience: 2, minLearningRate: 0.02 }, base: 0.1, epochs: 10 });
  const rates: number[] = [];
  for (const loss of [1, 0.9, 0.95, 0.93, 0.92, 0.8, 0.85, 0.86, 0.9, 0.9, 0.9, 0.9]) {
    rates.push(s.at(0));
    s.observe(loss);
  }
  expect(rates).toEqual([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]);
});

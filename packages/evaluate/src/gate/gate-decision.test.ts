import { GatePolicy, type GateSide } from '@anneal/contracts';
import { decideGate } from './gate-decision';
import { discordantPairs, mcnemarExact } from './mcnemar';

const side = (version: string, accuracy: number, recall: number[]): GateSide => ({
  version,
  metrics: { accuracy, macroF1: accuracy, rocAucMacro: 0.99, loss: 0.2 },
  recall,
});
const classes = ['a', 'b', 'c'];

describe('mcnemarExact', () => {
  // Reference values from scipy.stats.binomtest(min(b, c), b + c, 0.5).pvalue (scipy 1.17.1).
  it.each([
    [1, 9, 0.021484375],
    [0, 5, 0.0625],
    [3, 17, 0.0025768280029296875],
    [121, 59, 4.4344492637551645e-6],
    [400, 460, 0.04416954819458914],
    [10, 10, 1],
    [0, 0, 1],
  ])('b=%i c=%i gives p=%f', (b, c, p) => {
    expect(mcnemarExact(b, c)).toBeCloseTo(p, 12);
    expect(mcnemarExact(c, b)).toBeCloseTo(p, 12);
  });

  it('refuses what is not a count', () => {
    expect(() => mcnemarExact(-1, 2)).toThrow('expected two counts');
    expect(() => mcnemarExact(1.5, 2)).toThrow('expected two counts');
  });

  it('counts the rows only one side got right', () => {
    expect(discordantPairs([true, true, false, false, true], [true, false, true, false, false])).toEqual({ challengerOnly: 2, championOnly: 1 });
    expect(() => discordantPairs([true], [])).toThrow('1 rows against 0');
  });
});

describe('decideGate', () => {
  const policy = GatePolicy.parse({});

  it('with no champion and no floors, passes as the first champion', () => {
    const d = decideGate({ policy, classes, challenger: side('1', 0.5, [0.5, 0.5, 0.5]) });
    expect(d.passed).toBe(true);
    expect(d.checks.map((c) => c.name)).toEqual(['first champion']);
  });

  it('with no champion, only the floors apply', () => {
    const floors = GatePolicy.parse({ floors: { accuracy: 0.9, macroF1: 0.5 }, pairedTest: {} });
    const d = decideGate({ policy: floors, classes, challenger: side('1', 0.85, [1, 1, 1]) });
    expect(d.passed).toBe(false);
    expect(d.checks).toEqual([
      { name: 'floor accuracy', passed: false, detail: '0.8500 < 0.9000' },
      { name: 'floor macroF1', passed: true, detail: '0.8500 >= 0.5000' },
    ]);
  });

  it('by default promotes a challenger that is not worse and refuses one that is', () => {
    const champion = side('3', 0.9, [0.9, 0.9, 0.9]);
    expect(decideGate({ policy, classes, challenger: side('4', 0.9, [0.9, 0.9, 0.9]), champion }).passed).toBe(true);
    const worse = decideGate({ policy, classes, challenger: side('4', 0.88, [0.9, 0.88, 0.86]), champion });
    expect(worse.passed).toBe(false);
    expect(worse.checks[0]).toEqual({ name: 'improvement accuracy', passed: false, detail: "0.8800 against champion v3's 0.9000: -0.0200 (needs +0.0000)" });
    expect(worse.checks[1]?.passed).toBe(true);
  });

  it('asks for the absolute and the relative improvement both', () => {
    const strict = GatePolicy.parse({ minImprovement: { absolute: 0.01, relative: 0.02 } });
    const champion = side('3', 0.8, [0.8, 0.8, 0.8]);
    expect(decideGate({ policy: strict, classes, challenger: side('4', 0.812, [0.8, 0.8, 0.84]), champion }).passed).toBe(false); // +1.2 points, +1.5 %
    expect(decideGate({ policy: strict, classes, challenger: side('4', 0.82, [0.8, 0.82, 0.84]), champion }).passed).toBe(true); // +2 points, +2.5 %
  });

  it('refuses a better challenger that drops one class by more than the allowed recall', () => {
    const champion = side('3', 0.8, [0.9, 0.8, 0.7]);
    const d = decideGate({ policy, classes, challenger: side('4', 0.85, [0.99, 0.95, 0.55]), champion });
    expect(d.passed).toBe(false);
    expect(d.checks.find((c) => c.name === 'per-class recall')).toEqual({
      name: 'per-class recall',
      passed: false,
      detail: 'largest recall drop 0.1500 on class c (at most 0.1000)',
    });
    const off = GatePolicy.parse({ maxRecallDrop: null });
    expect(decideGate({ policy: off, classes, challenger: side('4', 0.85, [0.99, 0.95, 0.55]), champion }).passed).toBe(true);
  });

  it('with a paired test, needs the challenger significantly better on the rows they disagree on', () => {
    const paired = GatePolicy.parse({ pairedTest: { alpha: 0.05 } });
    const champion = side('3', 0.8, [0.8, 0.8, 0.8]);
    const challenger = side('4', 0.85, [0.85, 0.85, 0.85]);
    const weak = decideGate({ policy: paired, classes, challenger, champion, discordant: { challengerOnly: 9, championOnly: 4 } });
    expect(weak.passed).toBe(false);
    expect(weak.mcnemar?.pValue).toBeCloseTo(0.2668, 4);
    const strong = decideGate({ policy: paired, classes, challenger, champion, discordant: { challengerOnly: 17, championOnly: 3 } });
    expect(strong.passed).toBe(true);
    expect(strong.checks.at(-1)?.detail).toBe('challenger alone right on 17 rows, champion alone on 3: p = 0.00258 (needs p < 0.05)');
    const backwards = decideGate({ policy: paired, classes, challenger, champion, discordant: { challengerOnly: 3, championOnly: 17 } });
    expect(backwards.passed).toBe(false);
  });

  it('reports the McNemar figures even when the policy does not test them', () => {
    const d = decideGate({
      policy,
      classes,
      challenger: side('4', 0.9, [0.9, 0.9, 0.9]),
      champion: side('3', 0.9, [0.9, 0.9, 0.9]),
      discordant: { challengerOnly: 2, championOnly: 2 },
    });
    expect(d.mcnemar).toEqual({ challengerOnly: 2, championOnly: 2, pValue: 1 });
    expect(d.checks.map((c) => c.name)).toEqual(['improvement accuracy', 'per-class recall']);
  });
});

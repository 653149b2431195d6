import type { GateCheck, GatePolicy, GateSide, GateVerdict } from '@anneal/contracts';
import { mcnemarExact } from './mcnemar';

export interface GateFacts {
  policy: GatePolicy;
  classes: string[];
  challenger: GateSide;
  /** Absent when nothing is champion yet: only the floors apply. */
  champion?: GateSide;
  /** Rows only the challenger / only the champion got right (the same rows for both). */
  discordant?: { challengerOnly: number; championOnly: number };
}

type Decision = Pick<GateVerdict, 'passed' | 'checks' | 'mcnemar'>;

/** The gate's decision table: every check the policy asks for, each with its figures; all must pass. */
export function decideGate(facts: GateFacts): Decision {
  const { policy, challenger, champion } = facts;
  const checks: GateCheck[] = floorChecks(policy, challenger);
  let mcnemar: Decision['mcnemar'];
  if (champion) {
    checks.push(improvementCheck(policy, challenger, champion));
    if (policy.maxRecallDrop !== null) checks.push(recallCheck({ eps: policy.maxRecallDrop, classes: facts.classes, challenger, champion }));
    if (facts.discordant) {
      const { challengerOnly, championOnly } = facts.discordant;
      mcnemar = { challengerOnly, championOnly, pValue: mcnemarExact(challengerOnly, championOnly) };
      if (policy.pairedTest) checks.push(pairedCheck(policy.pairedTest.alpha, mcnemar));
    }
  } else if (checks.length === 0) {
    checks.push({ name: 'first champion', passed: true, detail: 'no champion yet and no floors set: nothing to compare against' });
  }
  return { passed: checks.every((c) => c.passed), checks, ...(mcnemar ? { mcnemar } : {}) };
}

function floorChecks(policy: GatePolicy, challenger: GateSide): GateCheck[] {
  return Object.entries(policy.floors)
    .filter((e): e is [keyof GatePolicy['floors'], number] => e[1] !== undefined)
    .map(([metric, floor]) => {
      const value = challenger.metrics[metric];
      return { name: `floor ${metric}`, passed: value >= floor, detail: `${fmt(value)} ${value >= floor ? '>=' : '<'} ${fmt(floor)}` };
    });
}

function improvementCheck(policy: GatePolicy, challenger: GateSide, champion: GateSide): GateCheck {
  const { metric } = policy;
  const { absolute, relative } = policy.minImprovement;
  const ours = challenger.metrics[metric];
  const theirs = champion.metrics[metric];
  const delta = ours - theirs;
  const relDelta = theirs > 0 ? delta / theirs : Infinity;
  const passed = delta >= absolute - 1e-12 && (relative === undefined || relDelta >= relative - 1e-12);
  const needs = `needs ${signed(absolute)}${relative !== undefined ? ` and ${signed(relative * 100, 1)} %` : ''}`;
  return { name: `improvement ${metric}`, passed, detail: `${fmt(ours)} against champion v${champion.version}'s ${fmt(theirs)}: ${signed(delta)} (${needs})` };
}

function recallCheck(o: { eps: number; classes: string[]; challenger: GateSide; champion: GateSide }): GateCheck {
  const drops = o.classes.map((label, i) => ({ label, drop: (o.champion.recall[i] ?? 0) - (o.challenger.recall[i] ?? 0) }));
  const worst = drops.reduce((a, b) => (b.drop > a.drop ? b : a), { label: '', drop: -Infinity });
  const passed = worst.drop <= o.eps + 1e-12;
  const detail =
    worst.drop > 0
      ? `largest recall drop ${fmt(worst.drop)} on class ${worst.label} (at most ${fmt(o.eps)})`
      : `no class's recall dropped (at most ${fmt(o.eps)} allowed)`;
  return { name: 'per-class recall', passed, detail };
}

function pairedCheck(alpha: number, m: NonNullable<Decision['mcnemar']>): GateCheck {
  const better = m.challengerOnly > m.championOnly;
  const passed = better && m.pValue < alpha;
  return {
    name: 'paired test (exact McNemar)',
    passed,
    detail: `challenger alone right on ${m.challengerOnly} rows, champion alone on ${m.championOnly}: p = ${m.pValue.toPrecision(3)} (${better ? '' : 'not better; '}needs p < ${alpha})`,
  };
}

const fmt = (x: number) => x.toFixed(4);
const signed = (x: number, digits = 4) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

import type { FineTuneResult, TuneResult } from '@anneal/workflows';
import { epochsTrained } from '@anneal/workflows';
import type { PipelineResult } from './start-pipeline';

/** A pipeline's result as `anneal start` and `anneal follow` print it: what was searched, the arms, the gate. */
export function formatResult(result: PipelineResult): string {
  if (!('arms' in result)) {
    return (
      `pretrained ${result.registered.name} v${result.registered.version} @${result.registered.alias}: ` +
      `validation accuracy ${pct(result.validation.accuracy)}, test accuracy ${pct(result.test.accuracy)}, test macro-F1 ${result.test.macroF1.toFixed(3)}`
    );
  }
  if (!('registered' in result)) return formatTune(result);
  if (result.skipped) return `nothing to train: ${result.skipped.reason} (content digest ${result.skipped.contentDigest.slice(0, 12)})`;
  const header = [...ARM_HEADER, 'test acc', 'test F1', 'test AUC', ''];
  // The run's winner is the champion only when it was promoted; refused or awaiting, it is the challenger.
  const winner = result.promotion && !result.promotion.promoted ? 'challenger' : 'champion';
  const rows = result.arms.map((a) => [
    ...armCells(a),
    pct(a.test.accuracy),
    a.test.macroF1.toFixed(3),
    a.test.rocAucMacro.toFixed(3),
    a.champion ? winner : '',
  ]);
  return [
    selectionLine(result),
    `${trialsLine(result)}; registered ${result.registered.name} v${result.registered.version} @${result.registered.alias}`,
    ...studyLine(result.decisions ?? []),
    ...gateLines(result),
    '',
    ...table(header, rows),
  ].join('\n');
}

/** A study on its own: the arms by validation, the best marked; nothing was tested or registered. */
function formatTune(result: TuneResult): string {
  const header = [...ARM_HEADER, 'val F1', 'val AUC', ''];
  const rows = result.arms.map((a) => [...armCells(a), a.validation.macroF1.toFixed(3), a.validation.rocAucMacro.toFixed(3), a.best ? 'best' : '']);
  return [selectionLine(result), `${trialsLine(result)}; nothing tested or registered (tune)`, ...studyLine(result.decisions), '', ...table(header, rows)].join(
    '\n',
  );
}

const ARM_HEADER = ['arm', 'strategy', 'lr', 'epochs', 'val acc'];

/** What every arm's row starts with: what it trained, how, and how it did on the validation split. */
function armCells(a: {
  arm: string;
  epochsRun?: number;
  hyperparameters: { strategy: string; learningRate: number; epochs: number };
  validation: { accuracy: number };
}): string[] {
  return [a.arm, a.hyperparameters.strategy, String(a.hyperparameters.learningRate), epochsOf(a), pct(a.validation.accuracy)];
}

/** How the candidates were chosen: the probe's pick with every probe's figure, or how they were searched. */
function selectionLine(result: FineTuneResult | TuneResult): string {
  if (result.probes.length === 0) return `candidates: ${result.selectedModel}`;
  return `selected base: ${result.selectedModel} (probes: ${result.probes.map((p) => `${p.label} ${pct(p.validationAccuracy)}`).join(', ')})`;
}

function trialsLine(result: FineTuneResult | TuneResult): string {
  const failed = result.failedTrials;
  return `${result.trials.length} tuning trials${failed.length ? ` (${failed.length} failed: ${failed.map((f) => f.label).join(', ')})` : ''}`;
}

/** An arm a study stopped at a rung (or early stopping ended) trained fewer epochs than its budget: it says so. */
function epochsOf(a: { epochsRun?: number; hyperparameters: { epochs: number } }): string {
  const budget = a.hyperparameters.epochs;
  return a.epochsRun !== undefined && a.epochsRun < budget ? `${a.epochsRun} of ${budget}` : String(budget);
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The gate's verdict and what became of the challenger (`gate passed against v3 on 270 pinned rows: ...`). */
function gateLines(result: FineTuneResult): string[] {
  const { gate, promotion } = result;
  if (!gate || !promotion) return [];
  const against = gate.champion ? `against champion v${gate.champion.version}` : 'with no champion yet';
  const checks = gate.checks.map((c) => `  ${c.passed ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  const drift = gate.drift
    ? [
        `  drift against ${gate.drift.reference.replace(/^drift measured against /, '')}: largest feature PSI ${gate.drift.maxPsi.toFixed(3)}${gate.drift.worstFeature ? ` (${gate.drift.worstFeature})` : ''}, label shift ${gate.drift.labelShift.toFixed(3)}`,
      ]
    : [];
  return [
    `gate ${gate.passed ? 'passed' : 'failed'} ${against} on ${gate.rows} ${gate.rowsFrom === 'pinned' ? 'pinned' : ''} test rows`.replace('  ', ' '),
    ...checks,
    ...drift,
    `${promotion.promoted ? 'promoted' : 'not promoted'}: ${promotion.reason}`,
  ];
}

/** What a scheduled study did: rung runs by decision (`12 rung runs: 3 promoted, 8 not promoted, 1 completed`). */
function studyLine(decisions: FineTuneResult['decisions']): string[] {
  if (decisions.length === 0) return [];
  const counts = new Map<string, number>();
  for (const d of decisions) counts.set(d.decision, (counts.get(d.decision) ?? 0) + 1);
  const epochs = epochsTrained(decisions);
  return [`study: ${decisions.length} rung runs, ${epochs} epochs in all: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`];
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

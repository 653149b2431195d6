import Papa from 'papaparse';
import type { SearchTrial } from '@anneal/contracts';

/** Every trial of a search as CSV, best first: what a user sorts and filters in a spreadsheet. */
export function trialsCsv(trials: readonly SearchTrial[], o: { metric: string; direction: 'maximize' | 'minimize' }): string {
  const sorted = [...trials].sort((a, b) => (o.direction === 'maximize' ? b.value - a.value : a.value - b.value));
  return Papa.unparse(
    sorted.map((t) => ({
      trial: t.label,
      candidate: t.candidate,
      strategy: t.strategy,
      learning_rate: t.learningRate,
      epochs: t.epochs,
      epochs_run: t.epochsRun,
      [`validation_${o.metric}`]: t.value,
    })),
  );
}

/**
 * The objective against each hyperparameter (learning rate on a log scale, epochs, strategy), one panel each, a
 * point per trial coloured by candidate: the picture that shows where the good trials are (a Vega-Lite spec).
 */
export function objectiveSpec(trials: readonly SearchTrial[], o: { metric: string }): object {
  const y = { field: 'value', type: 'quantitative' as const, title: `validation ${o.metric}`, scale: { zero: false } };
  const color = { field: 'candidate', type: 'nominal' as const };
  const panel = (x: object) => ({
    width: 220,
    height: 180,
    mark: { type: 'point' as const, filled: true, size: 60 },
    encoding: { x, y, color, tooltip: [{ field: 'label' }] },
  });
  return {
    title: `validation ${o.metric} by hyperparameter (${trials.length} trials)`,
    data: { values: trials.map((t) => ({ ...t })) },
    hconcat: [
      panel({ field: 'learningRate', type: 'quantitative', scale: { type: 'log' }, title: 'learning rate' }),
      panel({ field: 'epochs', type: 'quantitative', title: 'epochs (budget)' }),
      panel({ field: 'strategy', type: 'nominal', title: 'strategy', axis: { labelAngle: 0 } }),
    ],
  };
}

/** A scheduled study's decision log as CSV, in the order the decisions were taken. */
export function decisionsCsv(decisions: readonly { trial: number; rung: number; epochs: number; score: number | null; decision: string }[]): string {
  return Papa.unparse(decisions.map((d) => ({ trial: d.trial, rung: d.rung, epochs: d.epochs, score: d.score ?? '', decision: d.decision })));
}

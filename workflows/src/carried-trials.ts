import type { FineTuneOutput } from '@anneal/contracts';
import { hyperparametersOf, type SearchSpace, type Suggestion } from '@anneal/tune';
import type { TrialResult } from './trial';
import type { TrialRow } from './trial-table';

/**
 * A trial's latest result as a study carries it into its next run: what its row and its suggestion do not already
 * hold (the training output: model, checkpoint), or, in states carried before this, the whole result. Paused trials
 * are most of what a long study carries, and their label, hyperparameters and metrics were in it twice.
 */
export type CarriedTrial = { trial: number; suggestion: Suggestion } & ({ fineTune: FineTuneOutput } | { result: TrialResult });

export function carryTrial(trial: number, t: { result: TrialResult; suggestion: Suggestion }): CarriedTrial {
  return { trial, suggestion: t.suggestion, fineTune: t.result.fineTune };
}

/** The whole result again, from the carried part, the trial's row and the hyperparameters its suggestion gives. */
export function restoreTrial(c: CarriedTrial, row: TrialRow | undefined, space: SearchSpace): TrialResult {
  if ('result' in c) return c.result;
  if (!row) throw new Error(`study: trial ${c.trial} was carried without its row`);
  return { label: row.label, hyperparameters: hyperparametersOf(space, c.suggestion), fineTune: c.fineTune, validation: row.validation, trialRunId: row.runId };
}

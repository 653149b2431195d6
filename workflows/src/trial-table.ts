import type { EvaluationMetrics, Objective } from '@anneal/contracts';
import { bestBy, scoreOf } from '@anneal/tune';
import type { TrialResult } from './trial';

/**
 * A finished trial in brief: what the trials table, the report and fineTune's result list. A study's result carries
 * one per trial and the whole result (model, checkpoint, hyperparameters) only for the trials that can become an
 * arm, so 500 trials stay far below Temporal's payload warning.
 */
export interface TrialRow {
  trial: number;
  candidate: number;
  label: string;
  strategy: string;
  learningRate: number;
  epochs: number;
  epochsRun: number;
  validation: EvaluationMetrics;
  runId: string;
}

export function rowOf(o: { trial: number; candidate: number; result: TrialResult }): TrialRow {
  const { result: r } = o;
  return {
    trial: o.trial,
    candidate: o.candidate,
    label: r.label,
    strategy: r.hyperparameters.strategy,
    learningRate: r.hyperparameters.learningRate,
    epochs: r.hyperparameters.epochs,
    epochsRun: r.fineTune.epochsRun,
    validation: r.validation,
    runId: r.trialRunId,
  };
}

/**
 * The trials an arm can come from: the best of each candidate and strategy by the objective (the first of a tie, in
 * trial order, as fineTune's arm picking takes it). Rows must be in trial order.
 */
export function armTrials(rows: readonly TrialRow[], objective: Objective): Set<number> {
  const groups = new Map<string, TrialRow[]>();
  for (const r of rows) {
    const key = `${r.candidate}:${r.strategy}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return new Set([...groups.values()].map((g) => (g[bestBy(g, (r) => scoreOf(objective, r.validation))] as TrialRow).trial));
}

/** A trial as a pipeline's result lists it: its row, less the indices. */
export type ResultTrial = Omit<TrialRow, 'trial' | 'candidate'> & { validationAccuracy: number };

export function resultTrials(table: readonly TrialRow[]): ResultTrial[] {
  return table.map((r) => ({
    label: r.label,
    strategy: r.strategy,
    learningRate: r.learningRate,
    epochs: r.epochs,
    validationAccuracy: r.validation.accuracy,
    validation: r.validation,
    epochsRun: r.epochsRun,
    runId: r.runId,
  }));
}

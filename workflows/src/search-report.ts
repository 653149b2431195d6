import type { Objective, TrackingContext } from '@anneal/contracts';
import type { Decision } from './adaptive-search';
import type { Activities } from './proxies';
import type { FailedTrial } from './settle';
import type { TrialRow } from './trial-table';

/** The trials table, the decision log and the objective-by-hyperparameter picture, on the run the trials hang under. */
export function reportSearch(
  acts: Activities,
  o: {
    ctx: TrackingContext;
    objective: Objective;
    sampler: string;
    searched: { table: readonly TrialRow[]; failed: FailedTrial[]; decisions: Decision[] };
    labelOf: (candidate: number) => string;
  },
): Promise<void> {
  return acts.evaluation.reportSearch({
    tracking: o.ctx,
    objective: o.objective,
    sampler: o.sampler,
    failed: o.searched.failed,
    decisions: o.searched.decisions,
    trials: o.searched.table.map((r) => ({
      label: r.label,
      candidate: o.labelOf(r.candidate),
      strategy: r.strategy,
      learningRate: r.learningRate,
      epochs: r.epochs,
      epochsRun: r.epochsRun,
      value: r.validation[o.objective.metric],
    })),
  });
}

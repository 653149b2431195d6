import type { Objective, TrialEpochReport } from '@anneal/contracts';

/** The best epoch any trial has reported so far, by the objective where an epoch has it (else validation accuracy). */
export interface BestEpoch {
  trial: number;
  epoch: number;
  metric: 'val_accuracy' | 'val_loss';
  value: number;
}

/** What a study has heard of its trials' epochs: `studyProgress`'s answer, and what a study carries on. */
export interface EpochReportState {
  /** Distinct (trial, epoch) reports taken, over all the study's runs. */
  reported: number;
  best?: BestEpoch;
}

export interface LiveTrial {
  trial: number;
  /** Epochs reported by the rung run under way. */
  epochs: number;
  last: TrialEpochReport;
}

/**
 * The study's fold of its trials' per-epoch reports. Only trials whose rung run is under way are listened to, and
 * each (trial, epoch) is taken once: a retried activity, which re-runs the epochs after its checkpoint, and a report
 * that arrives after its run ended change nothing. What is kept is bounded by the running trials (their epochs in the
 * current rung), a count and the best, so a 500-trial study carries no more than a 5-trial one.
 */
export class EpochReports {
  private readonly open = new Map<number, { epochs: Set<number>; last?: TrialEpochReport }>();
  private state: EpochReportState;

  constructor(
    private readonly o: {
      objective: Objective;
      carried?: EpochReportState;
      /** Called when a report beats the best so far. */
      onBetter?: (best: BestEpoch) => void;
    },
  ) {
    this.state = { ...(o.carried ?? { reported: 0 }) };
  }

  /** A rung run of this trial started: its epochs are listened to from now on. */
  started(trial: number): void {
    this.open.set(trial, { epochs: new Set() });
  }

  /** Its rung run ended (its result, or its failure, is in): later reports of it are stale. */
  ended(trial: number): void {
    this.open.delete(trial);
  }

  /** Takes a report once; false when it was a repeat, late, or not a running trial's. */
  take(r: TrialEpochReport): boolean {
    const run = this.open.get(r.trial);
    if (!run || run.epochs.has(r.epoch)) return false;
    run.epochs.add(r.epoch);
    if (!run.last || r.epoch > run.last.epoch) run.last = r;
    this.state.reported++;
    const best = this.bestOf(r);
    if (best && (!this.state.best || better(best, this.state.best))) {
      this.state.best = best;
      this.o.onBetter?.(best);
    }
    return true;
  }

  live(): LiveTrial[] {
    return [...this.open]
      .filter(([, run]) => run.last)
      .map(([trial, run]) => ({ trial, epochs: run.epochs.size, last: run.last as TrialEpochReport }))
      .sort((a, b) => a.trial - b.trial);
  }

  snapshot(): EpochReportState {
    return { ...this.state };
  }

  private bestOf(r: TrialEpochReport): BestEpoch | undefined {
    const byLoss = this.o.objective.metric === 'loss';
    const value = byLoss ? r.valLoss : r.valAccuracy;
    if (value === null) return undefined;
    return { trial: r.trial, epoch: r.epoch, metric: byLoss ? 'val_loss' : 'val_accuracy', value };
  }
}

export function better(a: BestEpoch, b: BestEpoch): boolean {
  return a.metric === 'val_loss' ? a.value < b.value : a.value > b.value;
}

/**
 * Schedulers decide, at the end of each rung (a number of epochs), which paused trials go on: pure state a workflow
 * keeps, nothing here runs or waits. Every trial starts at rung 0 and pauses, checkpointed, at the end of each rung;
 * when a slot frees, the study asks for the next promotion (the trial goes on from its checkpoint), and starts a new
 * trial when there is none. The seam where the next scheduler plugs in.
 */
export interface Scheduler {
  readonly name: string;
  /** Epochs at the end of each rung (all epochs so far), the last one the trials' full budget. */
  readonly budgets: readonly number[];
  record(rung: number, result: RungResult): void;
  /** The promotion to run next, if any, marking it as promoted. */
  nextPromotion(): Promotion | undefined;
  /** Whether a promotion is due, marking nothing. */
  hasPromotion(): boolean;
  summary(): { rung: number; epochs: number; trials: number; promoted: number }[];
  /** The state as plain JSON (a failed run's -Infinity as null), for a study that continues as new. */
  snapshot(): SchedulerState;
  restore(state: SchedulerState): void;
}

export interface SchedulerState {
  rungs: { trial: number; score: number | null; done: boolean }[][];
  promoted: string[];
}

export interface AshaOptions {
  minEpochs: number;
  reductionFactor: number;
  maxEpochs: number;
}

export interface RungResult {
  trial: number;
  score: number;
  /** Early stopping ended it, or it reached the last rung: it never goes further. */
  done: boolean;
}

export interface Promotion {
  trial: number;
  /** The rung it goes to, and that rung's budget in epochs (all epochs so far, not the ones added). */
  rung: number;
  epochs: number;
}

/** Epoch budgets of the rungs: minEpochs, times eta each rung, the last one maxEpochs. */
export function rungBudgets(o: AshaOptions): number[] {
  const budgets: number[] = [];
  for (let r = o.minEpochs; r < o.maxEpochs; r *= o.reductionFactor) budgets.push(Math.round(r));
  return [...budgets, o.maxEpochs];
}

/** What the rung-based schedulers share: the rungs' results, who was promoted, and the walk over the rungs. */
abstract class RungScheduler implements Scheduler {
  abstract readonly name: string;
  readonly budgets: number[];
  protected readonly rungs: RungResult[][];
  private readonly promoted = new Set<string>();

  constructor(protected readonly options: AshaOptions) {
    this.budgets = rungBudgets(options);
    this.rungs = this.budgets.map(() => []);
  }

  /** A trial's result at the end of a rung (higher score is better; a failed run scores -Infinity, done). */
  record(rung: number, result: RungResult): void {
    (this.rungs[rung] as RungResult[]).push(result);
  }

  /** The promotion to run next, if any: highest rung first, best first, each trial once per rung. */
  nextPromotion(): Promotion | undefined {
    const due = this.due();
    if (due) this.promoted.add(`${due.rung - 1}:${due.trial}`);
    return due;
  }

  hasPromotion(): boolean {
    return this.due() !== undefined;
  }

  snapshot(): SchedulerState {
    return {
      rungs: this.rungs.map((rung) => rung.map((r) => ({ ...r, score: Number.isFinite(r.score) ? r.score : null }))),
      promoted: [...this.promoted],
    };
  }

  restore(state: SchedulerState): void {
    state.rungs.forEach((rung, k) => (this.rungs[k] = rung.map((r) => ({ ...r, score: r.score ?? -Infinity }))));
    state.promoted.forEach((p) => this.promoted.add(p));
  }

  private due(): Promotion | undefined {
    for (let k = this.rungs.length - 2; k >= 0; k--) {
      const next = this.promotable(k).find((r) => !r.done && !this.promoted.has(`${k}:${r.trial}`));
      if (next) return { trial: next.trial, rung: k + 1, epochs: this.budgets[k + 1] as number };
    }
    return undefined;
  }

  /** The results of rung `k` that may go on now, best first. */
  protected abstract promotable(k: number): RungResult[];

  protected best(k: number): RungResult[] {
    return [...(this.rungs[k] as RungResult[])].sort((a, b) => b.score - a.score || a.trial - b.trial);
  }

  /** How many trials reached each rung, and how many were promoted from it: the study's table. */
  summary(): { rung: number; epochs: number; trials: number; promoted: number }[] {
    return this.rungs.map((r, k) => ({
      rung: k,
      epochs: this.budgets[k] as number,
      trials: r.length,
      promoted: [...this.promoted].filter((p) => p.startsWith(`${k}:`)).length,
    }));
  }
}

/**
 * Asynchronous successive halving with promotion (Li et al., arXiv 1810.05934, Algorithm 2): a trial in the top
 * 1/eta of the results its rung has so far is promoted as soon as a slot frees; no rung waits for the others.
 */
export class Asha extends RungScheduler {
  readonly name = 'asha';
  protected promotable(k: number): RungResult[] {
    return this.best(k).slice(0, Math.floor((this.rungs[k] as RungResult[]).length / this.options.reductionFactor));
  }
}

/**
 * Synchronous successive halving (Jamieson & Talwalkar 2016): a rung is decided once all its trials are in
 * (`trials` at rung 0, then 1/eta of the rung before), and its top 1/eta go on. Reproducible whatever the timing.
 */
export class SuccessiveHalving extends RungScheduler {
  readonly name = 'sha';
  private readonly sizes: number[];
  constructor(options: AshaOptions & { trials: number }) {
    super(options);
    this.sizes = this.budgets.map((_, k) => Math.max(1, Math.floor(options.trials / options.reductionFactor ** k)));
  }
  protected promotable(k: number): RungResult[] {
    const rung = this.rungs[k] as RungResult[];
    if (rung.length < (this.sizes[k] as number)) return [];
    return this.best(k).slice(0, this.sizes[k + 1]);
  }
}

/**
 * The median stopping rule (Golovin et al. 2017, Google Vizier) at rung ends: a trial goes on when its score is at
 * least the median of the scores its rung has so far (always, until `minTrials` have reported there).
 */
export class MedianStopping extends RungScheduler {
  readonly name = 'median';
  private readonly minTrials: number;
  constructor(options: AshaOptions & { minTrials: number }) {
    super(options);
    this.minTrials = options.minTrials;
  }
  protected promotable(k: number): RungResult[] {
    const rung = this.best(k);
    if (rung.length < this.minTrials) return rung;
    const median = (rung[Math.floor((rung.length - 1) / 2)] as RungResult).score;
    return rung.filter((r) => r.score >= median);
  }
}

export type SchedulerSpec =
  | { kind: 'none' }
  | { kind: 'asha' | 'sha'; minEpochs: number; reductionFactor: number }
  | { kind: 'median'; minEpochs: number; reductionFactor: number; minTrials: number };

/** The scheduler of a spec's `tuning.scheduler` (none: every trial trains its epochs at once). */
export function createScheduler(spec: SchedulerSpec, o: { maxEpochs: number; trials: number }): Scheduler | undefined {
  if (spec.kind === 'none') return undefined;
  const rungs = { minEpochs: Math.min(spec.minEpochs, o.maxEpochs), reductionFactor: spec.reductionFactor, maxEpochs: o.maxEpochs };
  if (spec.kind === 'median') return new MedianStopping({ ...rungs, minTrials: spec.minTrials });
  return spec.kind === 'asha' ? new Asha(rungs) : new SuccessiveHalving({ ...rungs, trials: o.trials });
}

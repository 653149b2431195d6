/**
 * Asynchronous successive halving with promotion (Li et al., arXiv 1810.05934, Algorithm 2), as pure state a
 * workflow keeps: every trial starts at rung 0 with `minEpochs`; a trial is paused at the end of each rung; when a
 * slot frees, the best paused trial in the top 1/eta of its rung (highest rung first) is promoted to the next rung,
 * going on from its checkpoint; with none to promote, a new trial starts. Nothing here runs or waits.
 */
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

export class Asha {
  readonly budgets: number[];
  private readonly rungs: RungResult[][];
  private readonly promoted = new Set<string>();

  constructor(private readonly options: AshaOptions) {
    this.budgets = rungBudgets(options);
    this.rungs = this.budgets.map(() => []);
  }

  /** A trial's result at the end of a rung (higher score is better). */
  record(rung: number, result: RungResult): void {
    (this.rungs[rung] as RungResult[]).push(result);
  }

  /** The promotion to run next, if any: the top 1/eta of a rung, highest rung first, best first. */
  nextPromotion(): Promotion | undefined {
    for (let k = this.rungs.length - 2; k >= 0; k--) {
      const rung = this.rungs[k] as RungResult[];
      const top = [...rung].sort((a, b) => b.score - a.score || a.trial - b.trial).slice(0, Math.floor(rung.length / this.options.reductionFactor));
      const next = top.find((r) => !r.done && !this.promoted.has(`${k}:${r.trial}`));
      if (next) {
        this.promoted.add(`${k}:${next.trial}`);
        return { trial: next.trial, rung: k + 1, epochs: this.budgets[k + 1] as number };
      }
    }
    return undefined;
  }

  /** How many trials reached each rung, and how many were promoted from it: the study's table. */
  summary(): { rung: number; epochs: number; trials: number; promoted: number }[] {
    return this.rungs.map((r, k) => ({ rung: k, epochs: this.budgets[k] as number, trials: r.length, promoted: [...this.promoted].filter((p) => p.startsWith(`${k}:`)).length }));
  }
}

import type { Hyperparameters, Strategy } from '@anneal/contracts';

/** A stretch of epochs trained with one set of learning layers and one optimizer. */
export interface TrainingPhase {
  /** First epoch of the phase, and the epoch after its last. */
  from: number;
  to: number;
  strategy: Exclude<Strategy, 'two-phase'>;
  /** Multiplies the scheduled learning rate. */
  learningRateFactor: number;
  /** Early-stopping patience within the phase. */
  patience: number;
}

/**
 * One phase for most strategies; for `two-phase`, the head alone (no early stopping: it is short and the base
 * has yet to learn), then the base opened (`partial` with `unfreeze`, else `full`) at a lower learning rate.
 */
export function planPhases(hp: Hyperparameters): TrainingPhase[] {
  if (hp.strategy !== 'two-phase') return [{ from: 0, to: hp.epochs, strategy: hp.strategy, learningRateFactor: 1, patience: hp.patience }];
  const { headEpochs, learningRateFactor } = hp.twoPhase ?? { headEpochs: 3, learningRateFactor: 0.1 };
  const split = Math.min(headEpochs, hp.epochs);
  const head: TrainingPhase = { from: 0, to: split, strategy: 'feature-extraction', learningRateFactor: 1, patience: Number.POSITIVE_INFINITY };
  if (split === hp.epochs) return [head];
  return [head, { from: split, to: hp.epochs, strategy: hp.unfreeze ? 'partial' : 'full', learningRateFactor, patience: hp.patience }];
}

/** The phase an epoch belongs to (a resumed attempt starts in the phase of its checkpoint's next epoch). */
export function phaseAt(phases: readonly TrainingPhase[], epoch: number): number {
  const i = phases.findIndex((p) => epoch < p.to);
  return i < 0 ? phases.length - 1 : i;
}

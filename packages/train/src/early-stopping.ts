import type * as tf from '@tensorflow/tfjs';
import type { FitOptions, FitResult, Best, EpochLogs } from './fit-types';
import { copyWeights, restoreWeights } from './layer-weights';

/**
 * The epoch bookkeeping both training engines share: running step count, the best epoch so far (with a copy of
 * its weights), patience, and the caller's per-batch and per-epoch hooks.
 */
export class EarlyStopping {
  best: Best | undefined;
  epochsRun: number;
  step: number;
  stoppedEarly = false;
  cancelled = false;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly options: FitOptions,
    stepsPerEpoch: number,
  ) {
    this.best = options.initialBest;
    this.epochsRun = options.initialEpoch ?? 0;
    // Steps count from the start of training, also in a resumed attempt.
    this.step = (options.initialEpoch ?? 0) * stepsPerEpoch;
  }

  /** A resumed run whose last completed epoch had already ended training has nothing left to do. */
  nothingLeft(): boolean {
    const start = this.options.initialEpoch ?? 0;
    const best = this.best;
    return start >= this.options.epochs || (best !== undefined && start - 1 - this.patienceBase(best) >= this.options.patience);
  }

  /** Sets the epoch's learning rate (tfjs optimizers, and the graph engine, read `learningRate` on every step). */
  epochBegin(epoch: number): void {
    const rate = this.options.learningRateAt?.(epoch);
    if (rate !== undefined) (this.model.optimizer as unknown as { learningRate: number }).learningRate = rate;
  }

  /** Returns true when the caller asks training to stop at this batch (cancellation). */
  batchEnd(epoch: number, batch: number, loss: number): boolean {
    this.step++;
    if (this.options.onBatch?.({ epoch, step: this.step, batch, loss })) this.cancelled = true;
    return this.cancelled;
  }

  /** Records an epoch; returns true when patience has run out. The model must hold this epoch's weights. */
  async epochEnd(entry: EpochLogs): Promise<boolean> {
    this.epochsRun = entry.epoch + 1;
    if (this.improves(entry)) {
      this.best?.weights.forEach((w) => w.dispose());
      this.best = { epoch: entry.epoch, loss: entry.valLoss, accuracy: entry.valAccuracy, weights: copyWeights(this.model) };
    } else if (this.best && entry.epoch - this.patienceBase(this.best) >= this.options.patience) {
      this.stoppedEarly = true;
    }
    await this.options.onEpoch?.(entry, this.best, { stopping: this.stoppedEarly });
    return this.stoppedEarly;
  }

  /** Puts the best weights back (unless cancelled) and reports; the best copy goes to the caller with keepBest. */
  finish(): FitResult {
    const best = this.best;
    if (best && !this.cancelled) restoreWeights(this.model, best.weights);
    const result = {
      epochsRun: this.epochsRun,
      stoppedEarly: this.stoppedEarly,
      cancelled: this.cancelled,
      bestEpoch: best?.epoch ?? -1,
      bestValLoss: best?.loss ?? NaN,
      bestValAccuracy: best?.accuracy ?? NaN,
    };
    if (this.options.keepBest && best) return { ...result, best };
    best?.weights.forEach((w) => w.dispose());
    return result;
  }

  private improves(entry: EpochLogs): boolean {
    if (!this.best) return true;
    const delta = this.options.minDelta ?? 0;
    return this.options.monitor === 'val_accuracy' ? entry.valAccuracy > this.best.accuracy + delta : entry.valLoss < this.best.loss - delta;
  }

  private patienceBase(best: Best): number {
    return Math.max(best.epoch, (this.options.patienceFrom ?? 0) - 1);
  }
}

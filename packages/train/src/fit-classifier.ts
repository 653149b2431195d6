import * as tf from '@tensorflow/tfjs';
import type { Monitor } from '@anneal/contracts';
import type { BestSoFar } from './checkpoint';
import { copyWeights, restoreWeights } from './layer-weights';

export type Best = BestSoFar & { weights: tf.Tensor[] };

export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  patience: number;
  /** The monitored value must improve by more than this to count as an improvement. */
  minDelta?: number;
  /** What early stopping watches (default val_loss). */
  monitor?: Monitor;
  /** Patience counts from this epoch at the earliest (a second training phase starts its own count). */
  patienceFrom?: number;
  /** Training batches made by the caller (augmentation), instead of shuffling `x` and `y`. */
  batches?: (epoch: number) => Iterator<{ xs: tf.Tensor; ys: tf.Tensor }>;
  /** Called before each epoch; the optimizer trains that epoch at the returned rate. */
  learningRateAt?: (epoch: number) => number;
  validation: { x: tf.Tensor; y: tf.Tensor };
  /** Called after every batch with the running step; return true to stop at this batch. */
  onBatch?: (progress: { epoch: number; step: number; batch: number; loss: number }) => boolean;
  /** Awaited before the next epoch: where checkpoints are written. `best` is the early-stopping state so far. */
  onEpoch?: (logs: EpochLogs, best: Best | undefined) => Promise<void> | void;
  /** Resume: the first epoch to run and the early-stopping state of the epochs before it (weights are taken over). */
  initialEpoch?: number;
  initialBest?: Best;
  /** Hand the best weights to the caller (FitResult.best) instead of disposing them: a later phase goes on from them. */
  keepBest?: boolean;
}

export interface FitResult {
  epochsRun: number;
  bestEpoch: number;
  bestValLoss: number;
  bestValAccuracy: number;
  stoppedEarly: boolean;
  cancelled: boolean;
  /** With keepBest: the early-stopping state, owned by the caller. */
  best?: Best;
}

/** `model.fit` with early stopping on the monitored metric that restores the best weights. The model must be compiled. */
export async function fitClassifier(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, options: FitOptions): Promise<FitResult> {
  let best: Best | undefined = options.initialBest;
  let epochsRun = options.initialEpoch ?? 0;
  // Steps count from the start of training, also in a resumed attempt.
  let step = (options.initialEpoch ?? 0) * Math.ceil((x.shape[0] ?? 0) / options.batchSize);
  let epochNow = 0;
  let cancelled = false;
  let stoppedEarly = false;
  const callback = new tf.CustomCallback({
    onEpochBegin: async (epoch) => {
      epochNow = epoch;
      if (options.learningRateAt) setLearningRate(model, options.learningRateAt(epoch));
    },
    onBatchEnd: async (batch, logs) => {
      step++;
      if (options.onBatch?.({ epoch: epochNow, step, batch, loss: logs?.loss ?? NaN })) {
        cancelled = true;
        model.stopTraining = true;
      }
    },
    onEpochEnd: async (epoch, logs) => {
      epochsRun = epoch + 1;
      const valLoss = logs?.val_loss ?? NaN;
      const entry: EpochLogs = { epoch, loss: logs?.loss ?? NaN, accuracy: logs?.acc ?? logs?.accuracy ?? NaN, valLoss, valAccuracy: logs?.val_acc ?? logs?.val_accuracy ?? NaN };
      if (improves(entry, best, options)) {
        best?.weights.forEach((w) => w.dispose());
        best = { epoch, loss: valLoss, accuracy: entry.valAccuracy, weights: copyWeights(model) };
      } else if (best && epoch - Math.max(best.epoch, (options.patienceFrom ?? 0) - 1) >= options.patience) {
        stoppedEarly = true;
        model.stopTraining = true;
      }
      await options.onEpoch?.(entry, best);
    },
  });
  if ((options.initialEpoch ?? 0) >= options.epochs || (best && stoppedAfter(best, options))) {
    return finish(model, best, { epochsRun, stoppedEarly: true, cancelled: false, keepBest: options.keepBest });
  }
  const common = { epochs: options.epochs, initialEpoch: options.initialEpoch ?? 0, validationData: [options.validation.x, options.validation.y] as [tf.Tensor, tf.Tensor], verbose: 0 as const, callbacks: [callback] };
  if (options.batches) {
    const batches = options.batches;
    // fitDataset asks for a fresh iterator after onEpochBegin, so each epoch draws its own seeded batches.
    await model.fitDataset(tf.data.generator(() => batches(epochNow) as unknown as Iterator<tf.TensorContainer>), common);
  } else {
    await model.fit(x, y, { ...common, batchSize: options.batchSize, shuffle: true });
  }
  return finish(model, best, { epochsRun, stoppedEarly, cancelled, keepBest: options.keepBest });
}

function improves(entry: EpochLogs, best: Best | undefined, options: FitOptions): boolean {
  if (!best) return true;
  const delta = options.minDelta ?? 0;
  return options.monitor === 'val_accuracy' ? entry.valAccuracy > best.accuracy + delta : entry.valLoss < best.loss - delta;
}

/** A resumed run whose last completed epoch had already exhausted the patience has nothing left to train. */
function stoppedAfter(best: Best, options: FitOptions): boolean {
  return (options.initialEpoch ?? 0) - 1 - Math.max(best.epoch, (options.patienceFrom ?? 0) - 1) >= options.patience;
}

function finish(model: tf.LayersModel, best: Best | undefined, r: { epochsRun: number; stoppedEarly: boolean; cancelled: boolean; keepBest?: boolean }): FitResult {
  if (best && !r.cancelled) restoreWeights(model, best.weights);
  const result = { epochsRun: r.epochsRun, stoppedEarly: r.stoppedEarly, cancelled: r.cancelled, bestEpoch: best?.epoch ?? -1, bestValLoss: best?.loss ?? NaN, bestValAccuracy: best?.accuracy ?? NaN };
  if (r.keepBest && best) return { ...result, best };
  best?.weights.forEach((w) => w.dispose());
  return result;
}

/** tfjs optimizers read `learningRate` on every step; it is not part of their public typing. */
function setLearningRate(model: tf.LayersModel, rate: number): void {
  (model.optimizer as unknown as { learningRate: number }).learningRate = rate;
}

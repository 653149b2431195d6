import * as tf from '@tensorflow/tfjs';
import type { BestSoFar } from './checkpoint';

type Best = BestSoFar & { weights: tf.Tensor[] };

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
  /** val_loss must fall by more than this to count as an improvement. */
  minDelta?: number;
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
}

export interface FitResult {
  epochsRun: number;
  bestEpoch: number;
  bestValLoss: number;
  bestValAccuracy: number;
  stoppedEarly: boolean;
  cancelled: boolean;
}

/** `model.fit` with early stopping on val_loss that restores the best weights. The model must be compiled. */
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
      if (!best || valLoss < best.loss - (options.minDelta ?? 0)) {
        best?.weights.forEach((w) => w.dispose());
        best = { epoch, loss: valLoss, accuracy: entry.valAccuracy, weights: model.getWeights().map((w) => w.clone()) };
      } else if (epoch - best.epoch >= options.patience) {
        stoppedEarly = true;
        model.stopTraining = true;
      }
      await options.onEpoch?.(entry, best);
    },
  });
  if ((options.initialEpoch ?? 0) >= options.epochs || (best && stoppedAfter(best, options))) {
    return finish(model, best, { epochsRun, stoppedEarly: true, cancelled: false });
  }
  const history = await model.fit(x, y, {
    epochs: options.epochs,
    initialEpoch: options.initialEpoch ?? 0,
    batchSize: options.batchSize,
    validationData: [options.validation.x, options.validation.y],
    shuffle: true,
    verbose: 0,
    callbacks: [callback],
  });
  void history;
  return finish(model, best, { epochsRun, stoppedEarly, cancelled });
}

/** A resumed run whose last completed epoch had already exhausted the patience has nothing left to train. */
function stoppedAfter(best: Best, options: FitOptions): boolean {
  return (options.initialEpoch ?? 0) - 1 - best.epoch >= options.patience;
}

function finish(model: tf.LayersModel, best: Best | undefined, r: { epochsRun: number; stoppedEarly: boolean; cancelled: boolean }): FitResult {
  if (best && !r.cancelled) model.setWeights(best.weights);
  best?.weights.forEach((w) => w.dispose());
  return { ...r, bestEpoch: best?.epoch ?? -1, bestValLoss: best?.loss ?? NaN, bestValAccuracy: best?.accuracy ?? NaN };
}

/** tfjs optimizers read `learningRate` on every step; it is not part of their public typing. */
function setLearningRate(model: tf.LayersModel, rate: number): void {
  (model.optimizer as unknown as { learningRate: number }).learningRate = rate;
}

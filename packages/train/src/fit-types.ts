import type * as tf from '@tensorflow/tfjs';
import type { Monitor } from '@anneal/contracts';
import type { BestSoFar } from './checkpoint';

// What the training loops (tfjs's fit and the graph engine) and early stopping share, apart from any of them.

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
  /**
   * Awaited before the next epoch: where checkpoints are written. `best` is the early-stopping state so far;
   * `stopping` is true when patience ran out at this epoch (it is the last one).
   */
  onEpoch?: (logs: EpochLogs, best: Best | undefined, state: { stopping: boolean }) => Promise<void> | void;
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

/** Runs the graph engine instead of `model.fit`: one TensorFlow session run per batch (see @anneal/tf-graph). */
export interface GraphEngineOptions {
  threads: number;
  labelSmoothing: number;
  /** Seeds the per-epoch shuffle and the dropout masks. */
  seed: number;
}

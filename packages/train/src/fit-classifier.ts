import * as tf from '@tensorflow/tfjs';

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
  validation: { x: tf.Tensor; y: tf.Tensor };
  /** Called after every batch with the running step; return true to stop at this batch. */
  onBatch?: (progress: { epoch: number; step: number; batch: number; loss: number }) => boolean;
  onEpoch?: (logs: EpochLogs) => void;
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
  let best: { epoch: number; loss: number; accuracy: number; weights: tf.Tensor[] } | undefined;
  let epochsRun = 0;
  let step = 0;
  let epochNow = 0;
  let cancelled = false;
  let stoppedEarly = false;
  const callback = new tf.CustomCallback({
    onEpochBegin: async (epoch) => {
      epochNow = epoch;
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
      options.onEpoch?.(entry);
      if (!best || valLoss < best.loss) {
        best?.weights.forEach((w) => w.dispose());
        best = { epoch, loss: valLoss, accuracy: entry.valAccuracy, weights: model.getWeights().map((w) => w.clone()) };
      } else if (epoch - best.epoch >= options.patience) {
        stoppedEarly = true;
        model.stopTraining = true;
      }
    },
  });
  const history = await model.fit(x, y, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    validationData: [options.validation.x, options.validation.y],
    shuffle: true,
    verbose: 0,
    callbacks: [callback],
  });
  void history;
  if (best) {
    model.setWeights(best.weights);
    best.weights.forEach((w) => w.dispose());
  }
  return { epochsRun, bestEpoch: best?.epoch ?? -1, bestValLoss: best?.loss ?? NaN, bestValAccuracy: best?.accuracy ?? NaN, stoppedEarly, cancelled };
}

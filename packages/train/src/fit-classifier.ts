import * as tf from '@tensorflow/tfjs';
import { EarlyStopping } from './early-stopping';
import { fitGraph } from './fit-graph';
import type { EpochLogs, FitOptions, FitResult, GraphEngineOptions } from './fit-types';

export type { Best, EpochLogs, FitOptions, FitResult, GraphEngineOptions } from './fit-types';

/** Training with early stopping on the monitored metric that restores the best weights. The model must be compiled. */
export async function fitClassifier(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  options: FitOptions & { graph?: GraphEngineOptions },
): Promise<FitResult> {
  const tracker = new EarlyStopping(model, options, Math.ceil((x.shape[0] ?? 0) / options.batchSize));
  if (tracker.nothingLeft()) {
    tracker.stoppedEarly = true;
    return tracker.finish();
  }
  if (options.graph) await fitGraph({ model, x, y, options, graph: options.graph, tracker });
  else await fitEager(model, x, y, options, tracker);
  return tracker.finish();
}

/** tfjs's own loop, op by op, with the tracker in its callbacks. */
async function fitEager(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, options: FitOptions, tracker: EarlyStopping): Promise<void> {
  let epochNow = 0;
  const callback = new tf.CustomCallback({
    onEpochBegin: async (epoch) => {
      epochNow = epoch;
      tracker.epochBegin(epoch);
    },
    onBatchEnd: async (batch, logs) => {
      if (tracker.batchEnd(epochNow, batch, logs?.loss ?? NaN)) model.stopTraining = true;
    },
    onEpochEnd: async (epoch, logs) => {
      const entry: EpochLogs = {
        epoch,
        loss: logs?.loss ?? NaN,
        accuracy: logs?.acc ?? logs?.accuracy ?? NaN,
        valLoss: logs?.val_loss ?? NaN,
        valAccuracy: logs?.val_acc ?? logs?.val_accuracy ?? NaN,
      };
      if (await tracker.epochEnd(entry)) model.stopTraining = true;
    },
  });
  const common = {
    epochs: options.epochs,
    initialEpoch: options.initialEpoch ?? 0,
    validationData: [options.validation.x, options.validation.y] as [tf.Tensor, tf.Tensor],
    verbose: 0 as const,
    callbacks: [callback],
  };
  if (options.batches) {
    const batches = options.batches;
    // fitDataset asks for a fresh iterator after onEpochBegin, so each epoch draws its own seeded batches.
    await model.fitDataset(
      tf.data.generator(() => batches(epochNow) as unknown as Iterator<tf.TensorContainer>),
      common,
    );
  } else {
    await model.fit(x, y, { ...common, batchSize: options.batchSize, shuffle: true });
  }
}

import * as tf from '@tensorflow/tfjs';
import { CancelledFailure, Context } from '@temporalio/activity';
import { FineTuneInput, type BackendName, type FineTuneOutput, type In } from '@anneal/contracts';
import { loadDataset } from '@anneal/dataset';
import { loadModel, resolveBackend, storeModel } from '@anneal/models';
import { activityPlugin, MetricLogger, withActivityRun, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { classificationLoss, countTrainable, disposeWithBase, withNewHead } from './apply-strategy';
import { loadCheckpoint, saveCheckpoint, TrainingHeartbeat, type CheckpointRef } from './checkpoint';
import { fitClassifier } from './fit-classifier';
import { LearningRateSchedule } from './lr-schedule';
import { toTensors } from './to-tensors';

export interface TrainDeps {
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  /** The worker's default; a spec's explicit backend overrides it. */
  backend: BackendName;
}

export function createTrainActivities(deps: TrainDeps) {
  const { mlflow, artifacts } = deps;
  return {
    /** Fine-tunes a model on the train split, early-stopping on the validation split; heartbeats every batch. */
    async fineTune(raw: In<typeof FineTuneInput>): Promise<FineTuneOutput> {
      const input = FineTuneInput.parse(raw);
      const backend = await resolveBackend(input.backend === 'auto' ? deps.backend : input.backend);
      const hp = input.hyperparameters;
      const params = {
        learning_rate: String(hp.learningRate), epochs: String(hp.epochs), batch_size: String(hp.batchSize),
        strategy: hp.strategy, patience: String(hp.patience), min_delta: String(hp.minDelta), optimizer: 'adam',
        lr_schedule: JSON.stringify(hp.lrSchedule), regularization: JSON.stringify(hp.regularization), ...(hp.unfreeze ? { unfreeze: JSON.stringify(hp.unfreeze) } : {}),
        backend: backend.backend, device: backend.device, threads: String(backend.threads),
        'base_model.name': input.model.name, 'base_model.version': input.model.version ?? 'none', 'base_model.digest': input.model.digest,
        'train.digest': input.train.digest, 'train.rows': String(input.train.rows),
        'validation.digest': input.validation.digest, 'validation.rows': String(input.validation.rows),
        checkpoint_every: String(input.checkpointEvery),
      };
      return withActivityRun(mlflow, { tracking: input.tracking, runName: input.runName, params }, async (run) => {
        const ctx = Context.current();
        const classes = input.train.classes;
        const resumeFrom = TrainingHeartbeat.safeParse(ctx.info.heartbeatDetails).data?.checkpoint;
        const [train, validation, base, checkpoint] = await Promise.all([
          loadDataset(artifacts, input.train), loadDataset(artifacts, input.validation), loadModel(artifacts, input.model),
          resumeFrom ? loadCheckpoint(artifacts, resumeFrom) : undefined,
        ]);
        const model = withNewHead(base, { numClasses: classes.length, strategy: hp.strategy, unfreeze: hp.unfreeze, regularization: hp.regularization, seed: 11 });
        const schedule = new LearningRateSchedule({ schedule: hp.lrSchedule, base: hp.learningRate, epochs: hp.epochs });
        const optimizer = tf.train.adam(hp.learningRate);
        model.compile({ optimizer, loss: classificationLoss(hp.regularization.labelSmoothing), metrics: ['accuracy'] });
        const startEpoch = checkpoint ? checkpoint.epoch + 1 : 0;
        if (checkpoint) {
          model.setWeights(checkpoint.weights);
          await optimizer.setWeights(checkpoint.optimizer);
          tf.dispose(checkpoint.weights);
          await mlflow.logBatch(run.runId, { tags: [{ key: 'anneal.resumedFromEpoch', value: String(checkpoint.epoch) }] });
        }
        const metrics = new MetricLogger(mlflow, run.runId);
        metrics.log({ trainable_params: countTrainable(model), start_epoch: startEpoch }, ctx.info.attempt);
        const heartbeat = heartbeater(ctx, backend.backend);
        let lastCheckpoint: CheckpointRef | undefined = resumeFrom;
        const trainT = toTensors(train, classes);
        const valT = toTensors(validation, classes);
        try {
          const result = await fitClassifier(model, trainT.x, trainT.y, {
            epochs: hp.epochs,
            batchSize: hp.batchSize,
            patience: hp.patience,
            minDelta: hp.minDelta,
            learningRateAt: (epoch) => schedule.at(epoch),
            validation: valT,
            initialEpoch: startEpoch,
            initialBest: checkpoint?.best,
            onBatch: ({ epoch, step, loss }) => {
              if (input.logEveryBatches > 0 && step % input.logEveryBatches === 0) metrics.log({ batch_loss: loss }, step);
              heartbeat({ epoch, step, loss, checkpoint: lastCheckpoint });
              return ctx.cancellationSignal.aborted;
            },
            onEpoch: async (e, best) => {
              // Epoch metrics are sent with the checkpoint that covers them, so a resumed attempt that re-runs
              // the epochs after the last checkpoint logs each step once.
              metrics.log({ loss: e.loss, accuracy: e.accuracy, val_loss: e.valLoss, val_accuracy: e.valAccuracy, learning_rate: schedule.at(e.epoch) }, e.epoch);
              schedule.observe(e.valLoss);
              const last = e.epoch === hp.epochs - 1 || model.stopTraining;
              if (!ctx.cancellationSignal.aborted && ((e.epoch + 1) % input.checkpointEvery === 0 || last)) {
                lastCheckpoint = await saveCheckpoint(artifacts, { uri: `${run.artifactUri}/checkpoints/epoch-${e.epoch}`, epoch: e.epoch, model, optimizer, best });
                metrics.flushSoon();
              }
              heartbeat({ epoch: e.epoch, loss: e.loss, val_loss: e.valLoss, val_accuracy: e.valAccuracy, checkpoint: lastCheckpoint });
            },
          });
          if (result.cancelled) {
            await metrics.close();
            throw new CancelledFailure('training cancelled by the workflow');
          }
          metrics.log({ best_val_loss: result.bestValLoss, best_val_accuracy: result.bestValAccuracy, best_epoch: result.bestEpoch, epochs_run: result.epochsRun, max_heartbeat_gap_ms: heartbeat.maxGapMs() }, 0);
          await metrics.close();
          const stored = await storeModel(artifacts, { uri: `${run.artifactUri}/model`, model, name: input.outputName, baseLayers: input.model.baseLayers });
          const modelRef = { ...stored, classes };
          await mlflow.logBatch(run.runId, { tags: [{ key: 'anneal.model.digest', value: modelRef.digest }, { key: 'anneal.stoppedEarly', value: String(result.stoppedEarly) }] });
          return {
            model: modelRef, runId: run.runId, backend: backend.backend, epochsRun: result.epochsRun, startEpoch,
            bestEpoch: result.bestEpoch, bestValLoss: result.bestValLoss, bestValAccuracy: result.bestValAccuracy,
          };
        } finally {
          tf.dispose([trainT.x, trainT.y, valT.x, valT.y]);
          optimizer.dispose();
          disposeWithBase(model, base);
        }
      });
    },
  };
}

/** Heartbeats with details, measuring the longest gap between two of them (reported as a metric). */
function heartbeater(ctx: Context, backend: string) {
  let last = Date.now();
  let maxGap = 0;
  const beat = (details: Record<string, unknown>) => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ctx.heartbeat({ ...details, backend });
  };
  return Object.assign(beat, { maxGapMs: () => maxGap });
}

export type TrainActivities = ReturnType<typeof createTrainActivities>;

export function trainPlugin(deps: TrainDeps) {
  return activityPlugin('anneal.train', createTrainActivities(deps));
}

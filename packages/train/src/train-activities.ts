import * as tf from '@tensorflow/tfjs';
import { CancelledFailure, Context } from '@temporalio/activity';
import { FineTuneInput, type BackendName, type FineTuneOutput, type In } from '@anneal/contracts';
import { loadDataset } from '@anneal/dataset';
import { loadModel, resolveBackend, storeModel } from '@anneal/models';
import { activityPlugin, MetricLogger, withActivityRun, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { countTrainable, disposeWithBase, withNewHead } from './apply-strategy';
import { fitClassifier } from './fit-classifier';
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
        strategy: hp.strategy, patience: String(hp.patience), optimizer: 'adam',
        backend: backend.backend, device: backend.device, threads: String(backend.threads),
        'base_model.name': input.model.name, 'base_model.version': input.model.version ?? 'none', 'base_model.digest': input.model.digest,
        'train.digest': input.train.digest, 'train.rows': String(input.train.rows),
        'validation.digest': input.validation.digest, 'validation.rows': String(input.validation.rows),
      };
      return withActivityRun(mlflow, { tracking: input.tracking, runName: input.runName, params }, async (run) => {
        const ctx = Context.current();
        const classes = input.train.classes;
        const [train, validation, base] = await Promise.all([
          loadDataset(artifacts, input.train), loadDataset(artifacts, input.validation), loadModel(artifacts, input.model),
        ]);
        const model = withNewHead(base, { numClasses: classes.length, strategy: hp.strategy, seed: 11 });
        model.compile({ optimizer: tf.train.adam(hp.learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
        const metrics = new MetricLogger(mlflow, run.runId);
        metrics.log({ trainable_params: countTrainable(model) }, 0);
        const trainT = toTensors(train, classes);
        const valT = toTensors(validation, classes);
        try {
          const result = await fitClassifier(model, trainT.x, trainT.y, {
            epochs: hp.epochs,
            batchSize: hp.batchSize,
            patience: hp.patience,
            validation: valT,
            onBatch: ({ epoch, step, loss }) => {
              ctx.heartbeat({ epoch, step, loss, backend: backend.backend });
              return ctx.cancellationSignal.aborted;
            },
            onEpoch: (e) => {
              metrics.log({ loss: e.loss, accuracy: e.accuracy, val_loss: e.valLoss, val_accuracy: e.valAccuracy }, e.epoch);
              metrics.flushSoon();
              ctx.heartbeat({ epoch: e.epoch, loss: e.loss, val_loss: e.valLoss, val_accuracy: e.valAccuracy, backend: backend.backend });
            },
          });
          if (result.cancelled) {
            await metrics.close();
            throw new CancelledFailure('training cancelled by the workflow');
          }
          metrics.log({ best_val_loss: result.bestValLoss, best_val_accuracy: result.bestValAccuracy, best_epoch: result.bestEpoch, epochs_run: result.epochsRun }, 0);
          await metrics.close();
          const stored = await storeModel(artifacts, { uri: `${run.artifactUri}/model`, model, name: input.outputName, baseLayers: input.model.baseLayers });
          const modelRef = { ...stored, classes };
          await mlflow.logBatch(run.runId, { tags: [{ key: 'anneal.model.digest', value: modelRef.digest }, { key: 'anneal.stoppedEarly', value: String(result.stoppedEarly) }] });
          return {
            model: modelRef, runId: run.runId, backend: backend.backend, epochsRun: result.epochsRun,
            bestEpoch: result.bestEpoch, bestValLoss: result.bestValLoss, bestValAccuracy: result.bestValAccuracy,
          };
        } finally {
          tf.dispose([trainT.x, trainT.y, valT.x, valT.y]);
          disposeWithBase(model, base);
        }
      });
    },
  };
}

export type TrainActivities = ReturnType<typeof createTrainActivities>;

export function trainPlugin(deps: TrainDeps) {
  return activityPlugin('anneal.train', createTrainActivities(deps));
}

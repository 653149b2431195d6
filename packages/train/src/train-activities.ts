import * as tf from '@tensorflow/tfjs';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { FineTuneInput, TransientErrorType, type BackendName, type CheckpointRef, type FineTuneOutput, type In } from '@anneal/contracts';
import { loadDataset } from '@anneal/dataset';
import { loadModel, resolveBackend, storeModel } from '@anneal/models';
import { activityPlugin, MetricLogger, withActivityRun, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { cpuKernels } from '@anneal/tf-graph';
import { classificationLoss, countTrainable, disposeWithBase, setTrainable, withNewHead } from './apply-strategy';
import { chooseEngine, trainingDevice } from './choose-engine';
import { epochReporter } from './epoch-reporter';
import { loadCheckpoint, saveCheckpoint, TrainingHeartbeat, type EpochMetrics } from './checkpoint';
import { fitClassifier, type FitResult } from './fit-classifier';
import { FeatureCache, headOnFrozenFeatures, type HeadOnFeatures } from './frozen-features';
import { restoreWeights } from './layer-weights';
import { LearningRateSchedule } from './lr-schedule';
import { toTensors } from './to-tensors';
import { augmentedBatches } from './training-batches';
import { phaseAt, planPhases, type TrainingPhase } from './training-phases';

/** How often training heartbeats reach the server at most (the GPU worker's throttle interval). */
export const HEARTBEAT_THROTTLE_MS = 2000;
const METRIC_FLUSH_MS = 2000;

export interface TrainDeps {
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  /** The worker's default; a spec's explicit backend overrides it. */
  backend: BackendName;
}

export function createTrainActivities(deps: TrainDeps) {
  const { mlflow, artifacts } = deps;
  const featureCache = new FeatureCache({ mlflow, artifacts });
  return {
    /** Fine-tunes a model on the train split, early-stopping on the validation split; heartbeats every batch. */
    async fineTune(raw: In<typeof FineTuneInput>): Promise<FineTuneOutput> {
      const input = FineTuneInput.parse(raw);
      const backend = await resolveBackend(input.backend === 'auto' ? deps.backend : input.backend);
      const hp = input.hyperparameters;
      const params = {
        learning_rate: String(hp.learningRate),
        epochs: String(hp.epochs),
        batch_size: String(hp.batchSize),
        strategy: hp.strategy,
        patience: String(hp.patience),
        min_delta: String(hp.minDelta),
        optimizer: 'adam',
        lr_schedule: JSON.stringify(hp.lrSchedule),
        regularization: JSON.stringify(hp.regularization),
        ...(hp.unfreeze ? { unfreeze: JSON.stringify(hp.unfreeze) } : {}),
        monitor: hp.monitor ?? 'val_loss',
        augmentation: hp.augmentation ? JSON.stringify(hp.augmentation) : 'none',
        ...(hp.strategy === 'two-phase'
          ? {
              two_phase: JSON.stringify(
                planPhases(hp).map((p) => ({ epochs: `${p.from}-${p.to - 1}`, strategy: p.strategy, lr_factor: p.learningRateFactor })),
              ),
            }
          : {}),
        backend: backend.backend,
        device: trainingDevice(backend),
        ...(backend.backend === 'tensorflow' ? { cpu_kernels: cpuKernels() } : {}),
        threads: String(backend.threads),
        'base_model.name': input.model.name,
        'base_model.version': input.model.version ?? 'none',
        'base_model.digest': input.model.digest,
        'train.digest': input.train.digest,
        'train.rows': String(input.train.rows),
        'validation.digest': input.validation.digest,
        'validation.rows': String(input.validation.rows),
        checkpoint_every: String(input.checkpointEvery),
      };
      return withActivityRun(mlflow, { tracking: input.tracking, runName: input.runName, params }, async (run) => {
        const ctx = Context.current();
        const classes = input.train.classes;
        // A retry goes on from its own last checkpoint; a promoted trial from the one its previous rung left.
        const resumeFrom = TrainingHeartbeat.safeParse(ctx.info.heartbeatDetails).data?.checkpoint ?? input.resumeFrom;
        const stopAfter = Math.min(hp.epochs, input.stopAfterEpochs ?? hp.epochs);
        const [train, validation, base, checkpoint] = await Promise.all([
          loadDataset(artifacts, input.train),
          loadDataset(artifacts, input.validation),
          loadModel(artifacts, input.model),
          resumeFrom ? loadCheckpoint(artifacts, resumeFrom) : undefined,
        ]);
        const phases = planPhases(hp);
        const model = withNewHead(base, {
          numClasses: classes.length,
          strategy: hp.strategy,
          unfreeze: hp.unfreeze,
          cut: input.model.cut,
          regularization: hp.regularization,
          seed: 11,
        });
        const schedule = new LearningRateSchedule({ schedule: hp.lrSchedule, base: hp.learningRate, epochs: hp.epochs });
        const engine = chooseEngine({ requested: input.engine, backend, model });
        // Known once the model is built; a retried attempt finds them logged (MLflow params are immutable).
        const engineParams = [
          { key: 'engine', value: engine.engine },
          { key: 'engine_reason', value: engine.reason.slice(0, 500) },
        ].filter((p) => !run.existingParams.has(p.key));
        if (engineParams.length > 0) await mlflow.logBatch(run.runId, { params: engineParams });
        const startEpoch = checkpoint ? checkpoint.epoch + 1 : 0;
        const metrics = new MetricLogger(mlflow, run.runId, { flushEveryMs: METRIC_FLUSH_MS });
        // A retry re-runs the epochs after its checkpoint: the steps an earlier attempt logged are not logged again,
        // and those it could not send (MLflow was away) are sent now from the checkpoint, which keeps every epoch's figures.
        const ownCheckpoint = checkpoint && TrainingHeartbeat.safeParse(ctx.info.heartbeatDetails).data?.checkpoint !== undefined;
        const epochLog: EpochMetrics[] = ownCheckpoint ? [...(checkpoint.epochs ?? [])] : [];
        const reporter = epochReporter(ctx, input.reportTo);
        if (ctx.info.attempt > 1) {
          await metrics.skipLogged();
          for (const e of epochLog) metrics.log(e.values, e.step);
          // Those an earlier attempt reported, or died before reporting: the study takes each epoch once.
          for (const e of epochLog) reporter.report({ epoch: e.step, valLoss: e.values.val_loss ?? NaN, valAccuracy: e.values.val_accuracy ?? NaN });
        }
        const heartbeat = heartbeater(ctx, { backend: backend.backend, engine: engine.engine });
        // A worker shutting down lets the epoch under way finish, checkpoints it, and hands the rest to another worker.
        const shuttingDown = () => ctx.cancellationDetails?.workerShutdown === true;
        let shutdownCheckpoint = false;
        let lastCheckpoint: CheckpointRef | undefined = resumeFrom;
        const trainT = toTensors(train, classes);
        const valT = toTensors(validation, classes);
        const batches = hp.augmentation ? augmentedBatches({ dataset: train, classes, batchSize: hp.batchSize, augmentation: hp.augmentation }) : undefined;
        let optimizer: tf.Optimizer | undefined;
        let best = checkpoint?.best;
        let onFeatures: HeadOnFeatures | undefined;
        let featuresNote = 'through the base';
        try {
          // Feature extraction: the frozen base runs once (its outputs cached across trials and pipelines), the head
          // trains on them. Two-phase and augmented runs train through the base (its input changes every batch).
          if (hp.strategy === 'feature-extraction' && !batches) {
            const frozen = await headOnFrozenFeatures({
              model,
              cache: featureCache,
              baseDigest: input.model.digest,
              train: { digest: input.train.digest, name: input.train.name, x: trainT.x },
              validation: { digest: input.validation.digest, name: input.validation.name, x: valT.x },
            });
            if ('head' in frozen) onFeatures = frozen;
            else featuresNote = `through the base: ${frozen.reason}`;
          }
          await mlflow.logBatch(run.runId, { tags: [{ key: 'anneal.features', value: onFeatures?.note ?? featuresNote }] });
          const learner = onFeatures?.head ?? model;
          let result: FitResult | undefined;
          for (let k = phaseAt(phases, startEpoch); k < phases.length; k++) {
            const phase = phases[k] as TrainingPhase;
            if (phase.from >= stopAfter) break; // the rung's budget ends before this phase
            // A phase is its own compile: which layers learn, and a fresh optimizer at its learning rate.
            setTrainable(base, { strategy: phase.strategy, unfreeze: hp.unfreeze, cut: input.model.cut });
            optimizer?.dispose();
            const opt = tf.train.adam(hp.learningRate * phase.learningRateFactor);
            optimizer = opt;
            learner.compile({ optimizer: opt, loss: classificationLoss(hp.regularization.labelSmoothing), metrics: ['accuracy'] });
            if (checkpoint && k === phaseAt(phases, startEpoch)) {
              restoreWeights(model, checkpoint.weights);
              // Optimizer state belongs to its phase: a checkpoint from the phase before starts this one fresh.
              if (checkpoint.epoch >= phase.from) await opt.setWeights(checkpoint.optimizer);
              // setWeights copied them into the model's and the optimizer's variables.
              tf.dispose([...checkpoint.weights, ...checkpoint.optimizer.map((w) => w.tensor)]);
              await mlflow.logBatch(run.runId, { tags: [{ key: 'anneal.resumedFromEpoch', value: String(checkpoint.epoch) }] });
            }
            metrics.log({ trainable_params: countTrainable(model), start_epoch: Math.max(startEpoch, phase.from) }, k === 0 ? ctx.info.attempt : phase.from);
            const rate = (epoch: number) => schedule.at(epoch) * phase.learningRateFactor;
            result = await fitClassifier(learner, onFeatures?.train ?? trainT.x, trainT.y, {
              epochs: Math.min(phase.to, stopAfter),
              batchSize: hp.batchSize,
              patience: phase.patience,
              patienceFrom: phase.from,
              minDelta: hp.minDelta,
              monitor: hp.monitor,
              batches,
              learningRateAt: rate,
              validation: onFeatures ? { x: onFeatures.validation, y: valT.y } : valT,
              initialEpoch: Math.max(startEpoch, phase.from),
              initialBest: best,
              keepBest: k < phases.length - 1,
              graph: engine.engine === 'graph' ? { threads: backend.threads, labelSmoothing: hp.regularization.labelSmoothing, seed: 11 } : undefined,
              onBatch: ({ epoch, step, loss }) => {
                if (input.logEveryBatches > 0 && step % input.logEveryBatches === 0) metrics.log({ batch_loss: loss }, step);
                heartbeat({ epoch, step, loss, phase: k + 1, checkpoint: lastCheckpoint });
                return ctx.cancellationSignal.aborted && (!shuttingDown() || shutdownCheckpoint);
              },
              onEpoch: async (e, bestSoFar, { stopping }) => {
                // Sent in the background; a resumed attempt that re-runs epochs after its checkpoint skips the steps
                // already logged (skipLogged), so each step is there once.
                const figures = {
                  loss: e.loss,
                  accuracy: e.accuracy,
                  val_loss: e.valLoss,
                  val_accuracy: e.valAccuracy,
                  learning_rate: rate(e.epoch),
                  phase: k + 1,
                };
                metrics.log(figures, e.epoch);
                reporter.report(e);
                epochLog.push({ step: e.epoch, values: figures });
                schedule.observe(e.valLoss);
                const last = e.epoch === Math.min(phase.to, stopAfter) - 1 || stopping;
                const due = (e.epoch + 1) % input.checkpointEvery === 0 || last;
                if (ctx.cancellationSignal.aborted ? shuttingDown() : due) {
                  lastCheckpoint = await saveCheckpoint(artifacts, {
                    uri: `${run.artifactUri}/checkpoints/epoch-${e.epoch}`,
                    epoch: e.epoch,
                    model,
                    optimizer: opt,
                    best: bestSoFar,
                    epochs: epochLog,
                  });
                  shutdownCheckpoint = shuttingDown();
                  metrics.flushSoon();
                }
                heartbeat({ epoch: e.epoch, loss: e.loss, val_loss: e.valLoss, val_accuracy: e.valAccuracy, phase: k + 1, checkpoint: lastCheckpoint });
              },
            });
            best = result.best;
            if (result.cancelled || (result.stoppedEarly && k === phases.length - 1) || phase.to >= stopAfter) break;
          }
          if (!result) throw new Error('no training phase ran');
          if (result.cancelled) {
            await metrics.close();
            if (shuttingDown()) {
              // The failure does not carry heartbeat details: wait until the throttled heartbeat naming the
              // checkpoint has gone out, so the retry on another worker resumes from it.
              await new Promise((r) => setTimeout(r, HEARTBEAT_THROTTLE_MS + 500));
              throw ApplicationFailure.retryable(
                `worker shut down during training; the retry resumes after epoch ${lastCheckpoint?.epoch ?? 'none'}`,
                TransientErrorType.WorkerShutdown,
              );
            }
            throw new CancelledFailure('training cancelled by the workflow');
          }
          metrics.log(
            {
              best_val_loss: result.bestValLoss,
              best_val_accuracy: result.bestValAccuracy,
              best_epoch: result.bestEpoch,
              epochs_run: result.epochsRun,
              max_heartbeat_gap_ms: heartbeat.maxGapMs(),
            },
            0,
          );
          await Promise.all([metrics.close(), reporter.settled()]);
          const stored = await storeModel(artifacts, { uri: `${run.artifactUri}/model`, model, name: input.outputName, baseLayers: input.model.baseLayers });
          const modelRef = {
            ...stored,
            classes,
            ...(input.model.cut ? { cut: input.model.cut } : {}),
            ...(input.model.inputContract ? { inputContract: input.model.inputContract } : {}),
          };
          await mlflow.logBatch(run.runId, {
            tags: [
              { key: 'anneal.model.digest', value: modelRef.digest },
              { key: 'anneal.stoppedEarly', value: String(result.stoppedEarly) },
            ],
          });
          return {
            model: modelRef,
            runId: run.runId,
            backend: backend.backend,
            engine: engine.engine,
            epochsRun: result.epochsRun,
            startEpoch,
            bestEpoch: result.bestEpoch,
            bestValLoss: result.bestValLoss,
            bestValAccuracy: result.bestValAccuracy,
            stoppedEarly: result.stoppedEarly,
            ...(lastCheckpoint ? { checkpoint: lastCheckpoint } : {}),
          };
        } finally {
          metrics.discard();
          tf.dispose([trainT.x, trainT.y, valT.x, valT.y]);
          if (onFeatures) tf.dispose([onFeatures.train, onFeatures.validation]);
          best?.weights.forEach((w) => w.dispose());
          optimizer?.dispose();
          disposeWithBase(model, base);
        }
      });
    },
  };
}

/** Heartbeats with details, measuring the longest gap between two of them (reported as a metric). */
function heartbeater(ctx: Context, where: { backend: string; engine: string }) {
  let last = Date.now();
  let maxGap = 0;
  const beat = (details: Record<string, unknown>) => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ctx.heartbeat({ ...details, ...where });
  };
  return Object.assign(beat, { maxGapMs: () => maxGap });
}

export type TrainActivities = ReturnType<typeof createTrainActivities>;

export function trainPlugin(deps: TrainDeps) {
  return activityPlugin('anneal.train', createTrainActivities(deps));
}

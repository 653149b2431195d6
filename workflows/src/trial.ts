import { CancellationScope, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import {
  MLFLOW_TAGS,
  type BackendName,
  type CheckpointRef,
  type DatasetRef,
  type Durability,
  type TrainingEngine,
  type EvaluationMetrics,
  type FineTuneOutput,
  type Hyperparameters,
  type ModelRef,
  type ReportTo,
  type TrackingContext,
} from '@anneal/contracts';
import { activitiesFor } from './proxies';
import { rootCauseMessage } from './settle';

export interface TrialInput {
  tracking: TrackingContext;
  label: string;
  model: ModelRef;
  train: DatasetRef;
  validation: DatasetRef;
  hyperparameters: Hyperparameters;
  backend: BackendName;
  engine?: TrainingEngine;
  outputName: string;
  checkpointEvery?: number;
  heartbeatTimeoutSeconds?: number;
  logEveryBatches?: number;
  /** The pipeline's; absent in histories recorded before it existed (then the defaults). */
  durability?: Durability;
  /** A study's rung: pause after this many epochs in all, going on from the previous rung's checkpoint. */
  rung?: { stopAfterEpochs: number; resumeFrom?: CheckpointRef };
  /** The study that hears of each epoch, and which of its trials this is. */
  report?: ReportTo;
}

export interface TrialResult {
  label: string;
  hyperparameters: Hyperparameters;
  fineTune: FineTuneOutput;
  validation: EvaluationMetrics;
  trialRunId: string;
}

/** One trial: fine-tune, then evaluate on the validation split, under a trial run of its own. */
export async function trial(input: TrialInput): Promise<TrialResult> {
  const { tracking, evaluation, training } = activitiesFor(input.durability);
  const hp = input.hyperparameters;
  const run = await tracking.openChildRun({
    tracking: input.tracking,
    runName: input.label,
    params: {
      strategy: hp.strategy,
      learning_rate: String(hp.learningRate),
      epochs: String(hp.epochs),
      batch_size: String(hp.batchSize),
      'base_model.name': input.model.name,
      'temporal.childWorkflowId': workflowInfo().workflowId,
    },
  });
  const inner = { experimentId: input.tracking.experimentId, parentRunId: run.runId };
  try {
    const fineTune = await training(input.heartbeatTimeoutSeconds).fineTune({
      tracking: inner,
      runName: `fine-tune ${input.label}`,
      model: input.model,
      train: input.train,
      validation: input.validation,
      hyperparameters: hp,
      backend: input.backend,
      engine: input.engine ?? 'auto',
      outputName: input.outputName,
      checkpointEvery: input.checkpointEvery,
      logEveryBatches: input.logEveryBatches,
      ...(input.rung ? { stopAfterEpochs: input.rung.stopAfterEpochs, resumeFrom: input.rung.resumeFrom } : {}),
      ...(input.report ? { reportTo: input.report } : {}),
    });
    const evaluated = await evaluation.evaluateModel({
      tracking: inner,
      runName: `evaluate ${input.label} on validation`,
      model: fineTune.model,
      dataset: input.validation,
      backend: input.backend,
    });
    // Histories recorded before the curves existed replay without them.
    if (patched('learning-curves')) await evaluation.plotLearningCurves({ runId: fineTune.runId, title: input.label });
    const m = evaluated.metrics;
    await tracking.closeRun({
      runId: run.runId,
      status: 'FINISHED',
      metrics: { val_accuracy: m.accuracy, val_macro_f1: m.macroF1, val_roc_auc_macro: m.rocAucMacro, epochs_run: fineTune.epochsRun },
    });
    return { label: input.label, hyperparameters: hp, fineTune, validation: m, trialRunId: run.runId };
  } catch (err) {
    const cancelled = isCancellation(err);
    const tags: Record<string, string> = cancelled ? {} : { [MLFLOW_TAGS.error]: rootCauseMessage(err).slice(0, 4000) };
    await CancellationScope.nonCancellable(() => tracking.closeRun({ runId: run.runId, status: cancelled ? 'KILLED' : 'FAILED', tags }));
    throw err;
  }
}

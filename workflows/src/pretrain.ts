import { workflowInfo } from '@temporalio/workflow';
import { PretrainSpec, type EvaluationMetrics, type RegisteredModel } from '@anneal/contracts';
import { parseSpec } from './parse-spec';
import { activitiesFor } from './proxies';
import { announcePipeline } from './search-attributes';
import { runTrial } from './run-trial';
import { flattenParams, prepareData, withPipelineRun } from './stages';

export interface PretrainResult {
  experimentId: string;
  pipelineRunId: string;
  registered: RegisteredModel;
  test: EvaluationMetrics;
  validation: EvaluationMetrics;
}

/** Trains a base model from scratch and registers it (e.g. alias `base`) for later fine-tuning. */
export async function pretrain(input: unknown): Promise<PretrainResult> {
  const spec = parseSpec(PretrainSpec, input, 'pretrain');
  const acts = activitiesFor(spec.durability);
  const visibility = announcePipeline({ pipeline: 'pretrain', model: spec.register.name, dataset: spec.dataset.name });
  return withPipelineRun(
    {
      acts,
      visibility,
      experimentName: spec.name,
      runName: `pretrain ${spec.name}`,
      params: flattenParams({ architecture: spec.architecture, training: spec.training, split: spec.split, backend: spec.backend, engine: spec.engine }),
      summarize: (r) => ({ test_accuracy: r.test.accuracy, test_macro_f1: r.test.macroF1 }),
    },
    async (run, stage) => {
      const { ctx } = stage;
      visibility.stage('data');
      const split = await prepareData(stage, spec);
      const prepared = await acts.models.prepareCandidate({
        tracking: ctx,
        candidate: { kind: 'scratch', architecture: spec.architecture },
        inputShape: split.train.featureShape,
        numClasses: split.train.classes.length,
        ...(split.scaling ? { scaling: split.scaling } : {}),
      });
      const t = spec.training;
      visibility.stage('training');
      const result = await runTrial(`${workflowInfo().workflowId}/train`, {
        tracking: ctx,
        durability: spec.durability,
        label: `pretrain ${prepared.label}`,
        model: prepared.model,
        train: split.train,
        validation: split.validation,
        hyperparameters: {
          learningRate: t.learningRate,
          epochs: t.epochs,
          batchSize: t.batchSize,
          strategy: 'full',
          patience: t.patience,
          minDelta: t.minDelta,
          monitor: t.monitor,
          lrSchedule: t.lrSchedule,
          regularization: t.regularization,
          ...(t.augmentation ? { augmentation: t.augmentation } : {}),
        },
        backend: spec.backend,
        engine: spec.engine,
        outputName: spec.register.name,
        checkpointEvery: t.checkpointEvery,
        heartbeatTimeoutSeconds: t.heartbeatTimeoutSeconds,
        logEveryBatches: t.logEveryBatches,
      });
      visibility.stage('final evaluation');
      const test = await acts.evaluation.evaluateModel({
        tracking: ctx,
        runName: `evaluate ${spec.register.name} on test`,
        model: result.fineTune.model,
        dataset: split.test,
        backend: spec.backend,
      });
      const registered = await acts.evaluation.registerModel({
        tracking: ctx,
        model: result.fineTune.model,
        name: spec.register.name,
        alias: spec.register.alias,
        sourceRunId: result.fineTune.runId,
        description: `pretrained on ${spec.dataset.name}; test accuracy ${test.metrics.accuracy.toFixed(4)}`,
        tags: { 'anneal.test_accuracy': test.metrics.accuracy.toFixed(4) },
      });
      visibility.stage('done');
      return { experimentId: run.experimentId, pipelineRunId: run.runId, registered, test: test.metrics, validation: result.validation };
    },
  );
}

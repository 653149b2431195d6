import { z } from 'zod';
import type { MlflowClient } from './mlflow-client';
import { MlflowError } from './mlflow-error';

const LoggedModelInfo = z.object({
  model_id: z.string(),
  name: z.string(),
  artifact_uri: z.string(),
  status: z.string(),
  source_run_id: z.string().optional(),
  tags: z.array(z.object({ key: z.string(), value: z.string() })).default([]),
});
export type LoggedModelInfo = z.infer<typeof LoggedModelInfo>;
const LoggedModelResponse = z.object({ model: z.object({ info: LoggedModelInfo }) });
const LoggedModelSearch = z.object({ models: z.array(z.object({ info: LoggedModelInfo })).default([]) });

export interface ModelMetric {
  key: string;
  value: number;
  /** The dataset the figure was measured on: the UI shows it beside the metric. */
  datasetName?: string;
  datasetDigest?: string;
}

/**
 * MLflow 3's logged models over REST (what `mlflow.<flavor>.log_model` does in Python): a model as a first-class
 * object of an experiment, linked to the run that trained it, with its own params, metrics and artifacts.
 */
export const loggedModels = {
  async create(
    mlflow: MlflowClient,
    o: { experimentId: string; name: string; sourceRunId: string; modelType: string; params: Record<string, string>; tags: Record<string, string> },
  ): Promise<LoggedModelInfo> {
    const pairs = (r: Record<string, string>) => Object.entries(r).map(([key, value]) => ({ key, value }));
    const body = {
      experiment_id: o.experimentId,
      name: o.name,
      model_type: o.modelType,
      source_run_id: o.sourceRunId,
      params: pairs(o.params),
      tags: pairs(o.tags),
    };
    return (await mlflow.call('POST', 'logged-models', { body, schema: LoggedModelResponse })).model.info;
  },

  /** The logged models a run produced, optionally with a tag value (how a retried registration finds its model). */
  async findBySourceRun(
    mlflow: MlflowClient,
    o: { experimentId: string; sourceRunId: string; tag?: { key: string; value: string } },
  ): Promise<LoggedModelInfo[]> {
    const body = { experiment_ids: [o.experimentId], filter: `source_run_id = '${o.sourceRunId}'`, max_results: 100 };
    const found = (await mlflow.call('POST', 'logged-models/search', { body, schema: LoggedModelSearch })).models.map((m) => m.info);
    return o.tag ? found.filter((m) => m.tags.some((t) => t.key === o.tag?.key && t.value === o.tag.value)) : found;
  },

  /** Figures of the model, logged on its source run with the model's id (the run's charts and the model's page show them). */
  async logMetrics(mlflow: MlflowClient, o: { runId: string; modelId: string; metrics: ModelMetric[] }): Promise<void> {
    const timestamp = Date.now();
    const metrics = o.metrics.map((m) => ({
      key: m.key,
      value: m.value,
      timestamp,
      step: 0,
      model_id: o.modelId,
      dataset_name: m.datasetName,
      dataset_digest: m.datasetDigest,
    }));
    await mlflow.call('POST', 'runs/log-batch', { body: { run_id: o.runId, metrics } });
  },

  /** The run lists the model among its outputs (the run page's "Logged models"); a second link is not an error. */
  async linkToRun(mlflow: MlflowClient, o: { runId: string; modelId: string }): Promise<void> {
    try {
      await mlflow.call('POST', 'runs/outputs', { body: { run_id: o.runId, models: [{ model_id: o.modelId, step: 0 }] } });
    } catch (err) {
      // MLflow refuses the same (run, model) pair twice: a retried activity finds it linked.
      if (!(err instanceof MlflowError && /UNIQUE constraint/i.test(err.message))) throw err;
    }
  },

  /** Marks the upload done: READY (MLflow answers 200 to other spellings and stores UNSPECIFIED). */
  async finalize(mlflow: MlflowClient, modelId: string): Promise<void> {
    await mlflow.call('PATCH', `logged-models/${modelId}`, { body: { model_id: modelId, status: 'LOGGED_MODEL_READY' } });
  },
};

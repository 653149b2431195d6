import { stringify } from 'yaml';
import { MLFLOW_TAGS, type ModelRef, type RegisterVersionInput } from '@anneal/contracts';
import { loggedModels, type LoggedModelInfo, type MlflowClient, type ModelMetric, type Run } from '@anneal/tracking';
import type { z } from 'zod';

type Input = z.output<typeof RegisterVersionInput>;

/**
 * The model as an MLflow 3 logged model of its training run's experiment: its files and an `MLmodel` with the input
 * and output signature, the run's params, the test figures with the test split named, listed among the run's
 * outputs. A registered version made from it (`models:/<model id>`) shows where it came from and how it scored.
 * Idempotent: a retry finds the model by run and digest and finishes what is missing.
 */
export async function logAsModel(mlflow: MlflowClient, input: Input): Promise<LoggedModelInfo> {
  const run = await mlflow.getRun(input.sourceRunId);
  const experimentId = run.info.experiment_id;
  const digest = { key: MLFLOW_TAGS.modelDigest, value: input.model.digest };
  const [found] = await loggedModels.findBySourceRun(mlflow, { experimentId, sourceRunId: input.sourceRunId, tag: digest });
  const model =
    found ??
    (await loggedModels.create(mlflow, {
      experimentId,
      name: loggedName(input.name),
      sourceRunId: input.sourceRunId,
      modelType: 'tfjs-layers',
      params: Object.fromEntries(run.data.params.slice(0, 100).map((p) => [p.key, p.value])),
      tags: { [digest.key]: digest.value, ...sourceTags(run) },
    }));
  if (model.status === 'LOGGED_MODEL_READY') return model;
  await copyFiles(mlflow, input.model.uri, `${model.artifact_uri}/model`);
  await mlflow.uploadArtifact(`${model.artifact_uri}/MLmodel`, Buffer.from(mlmodel(model, input.model, input.sourceRunId)));
  if (input.testMetrics) await loggedModels.logMetrics(mlflow, { runId: input.sourceRunId, modelId: model.model_id, metrics: testMetrics(input) });
  await loggedModels.linkToRun(mlflow, { runId: input.sourceRunId, modelId: model.model_id });
  await loggedModels.finalize(mlflow, model.model_id);
  return model;
}

/** The `MLmodel` file: a `tfjs` flavor naming the files, and the tensor signature (rows of the input shape in, class probabilities out). */
export function mlmodel(model: Pick<LoggedModelInfo, 'model_id' | 'artifact_uri'>, ref: ModelRef, runId: string): string {
  const tensor = (shape: number[]) => JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, ...shape] } }]);
  return stringify({
    artifact_path: model.artifact_uri,
    flavors: {
      tfjs: { model_format: 'tfjs-layers-model', model_file: 'model/model.json', loader: '@tensorflow/tfjs loadLayersModel', classes: ref.classes ?? null },
    },
    model_id: model.model_id,
    model_uuid: model.model_id,
    run_id: runId,
    signature: { inputs: tensor(ref.inputShape), outputs: tensor([ref.classes?.length ?? -1]), params: null },
    utc_time_created: new Date().toISOString().replace('T', ' ').replace('Z', ''),
  });
}

function testMetrics(input: Input): ModelMetric[] {
  const m = input.testMetrics as NonNullable<Input['testMetrics']>;
  const dataset = input.testSplit ? { datasetName: input.testSplit.name, datasetDigest: input.testSplit.digest.slice(0, 36) } : {};
  return [
    { key: 'test_accuracy', value: m.accuracy },
    { key: 'test_macro_f1', value: m.macroF1 },
    { key: 'test_roc_auc_macro', value: m.rocAucMacro },
  ].map((x) => ({ ...x, ...dataset }));
}

async function copyFiles(mlflow: MlflowClient, from: string, to: string): Promise<void> {
  for (const file of await mlflow.listArtifacts(from)) {
    if (file.is_dir) continue;
    const name = file.path.split('/').pop() as string;
    await mlflow.uploadArtifact(`${to}/${name}`, await mlflow.downloadArtifact(`${from}/${name}`));
  }
}

/** MLflow refuses `/ : . % " '` in a logged model's name. */
function loggedName(name: string): string {
  return name.replace(/[/:.%"']/g, '-');
}

function sourceTags(run: Run): Record<string, string> {
  const keep = ['mlflow.source.name', 'mlflow.source.type', 'mlflow.source.git.commit', 'mlflow.user'];
  return Object.fromEntries(run.data.tags.filter((t) => keep.includes(t.key)).map((t) => [t.key, t.value]));
}

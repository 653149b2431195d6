import {
  ChampionDataInput,
  EvaluateInput,
  LearningCurvesInput,
  RegisterModelInput,
  SearchReportInput,
  type BackendName,
  type ChampionData,
  type EvaluateOutput,
  type In,
  type RegisteredModel,
} from '@anneal/contracts';
import { loadDataset } from '@anneal/dataset';
import { loadModel, resolveBackend } from '@anneal/models';
import { ModelRegistry } from '@anneal/registry';
import { activityIdentity, activityPlugin, withActivityRun, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { classificationReport, headlineMetrics } from './classification-metrics';
import { decisionsCsv, objectiveSpec, trialsCsv } from './search-report';
import { learningCurvesSpec, renderChart, uploadChart } from './charts';
import { evaluationCharts } from './evaluation-charts';
import { gateChallengerActivity } from './gate/gate-challenger';
import { labelIndices, predictRows } from './predict-rows';

export interface EvaluateDeps {
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  backend: BackendName;
}

export function createEvaluateActivities(deps: EvaluateDeps) {
  const { mlflow, artifacts } = deps;
  const registry = new ModelRegistry(mlflow);
  return {
    /** Accuracy, macro-F1, ROC-AUC and the confusion matrix of a model on one split, logged to its own run. */
    async evaluateModel(raw: In<typeof EvaluateInput>): Promise<EvaluateOutput> {
      const input = EvaluateInput.parse(raw);
      const params = {
        'model.name': input.model.name,
        'model.digest': input.model.digest,
        'dataset.name': input.dataset.name,
        'dataset.digest': input.dataset.digest,
      };
      return withActivityRun(mlflow, { tracking: input.tracking, runName: input.runName, params }, async (run) => {
        await resolveBackend(input.backend === 'auto' ? deps.backend : input.backend);
        const [dataset, model] = await Promise.all([loadDataset(artifacts, input.dataset), loadModel(artifacts, input.model)]);
        const classes = input.model.classes ?? dataset.classes;
        const labels = labelIndices(dataset, classes);
        try {
          const values = await predictRows(model, dataset);
          const report = classificationReport(values, labels, classes.length);
          const now = Date.now();
          const metric = (key: string, value: number) => ({ key, value, step: 0, timestamp: now });
          await mlflow.logBatch(run.runId, {
            metrics: [
              metric('accuracy', report.accuracy),
              metric('macro_f1', report.macroF1),
              metric('roc_auc_macro', report.rocAucMacro),
              metric('loss', report.loss),
              metric('rows', labels.length),
            ],
          });
          for (const { name, chart } of await evaluationCharts({ probs: values, labels, classes, confusion: report.confusion }))
            await uploadChart(mlflow, `${run.artifactUri}/${name}`, chart);
          await mlflow.uploadArtifact(`${run.artifactUri}/confusion_matrix.json`, Buffer.from(JSON.stringify({ classes, matrix: report.confusion })));
          return {
            metrics: headlineMetrics(report),
            confusionMatrix: report.confusion,
            classes,
            runId: run.runId,
          };
        } finally {
          model.dispose();
        }
      });
    },

    /** Registers the model as a new version of `name` and points `alias` at it (pretrain; fineTune before the gate). */
    async registerModel(raw: In<typeof RegisterModelInput>): Promise<RegisteredModel> {
      const input = RegisterModelInput.parse(raw);
      return withActivityRun(
        mlflow,
        { tracking: input.tracking, runName: `register ${input.name}@${input.alias}`, params: { 'model.digest': input.model.digest } },
        async (run) => {
          const { version } = await registry.registerVersion(input);
          const { workflowId } = activityIdentity();
          await registry.moveAlias({ name: input.name, alias: input.alias, version, reason: `registered by ${run.runId}`, workflowId });
          await mlflow.logBatch(run.runId, { tags: [{ key: 'anneal.registered', value: `${input.name}/${version}@${input.alias}` }] });
          return { name: input.name, version, alias: input.alias };
        },
      );
    },

    gateChallenger: gateChallengerActivity(deps),

    /**
     * The search at a glance, on the pipeline's run (the trials are its children): every trial in `search/trials.csv`,
     * best first, and the objective against each hyperparameter in `search/objective.svg` (with its Vega-Lite spec).
     */
    async reportSearch(raw: In<typeof SearchReportInput>): Promise<void> {
      const input = SearchReportInput.parse(raw);
      const uri = (await mlflow.getRun(input.tracking.parentRunId)).info.artifact_uri;
      await mlflow.uploadArtifact(`${uri}/search/trials.csv`, Buffer.from(trialsCsv(input.trials, input.objective)));
      await uploadChart(mlflow, `${uri}/search/objective`, await renderChart(objectiveSpec(input.trials, input.objective)));
      if (input.failed.length > 0) await mlflow.uploadArtifact(`${uri}/search/failed.json`, Buffer.from(JSON.stringify(input.failed, null, 2)));
      if (input.decisions.length > 0) {
        await mlflow.uploadArtifact(`${uri}/search/decisions.csv`, Buffer.from(decisionsCsv(input.decisions)));
        // Each rung's trial run says what became of it, where the runs are looked at.
        for (const d of input.decisions.filter((x) => x.runId)) {
          await mlflow.logBatch(d.runId as string, {
            tags: [
              { key: 'anneal.rung', value: `${d.rung} (${d.epochs} epochs)` },
              { key: 'anneal.decision', value: d.decision },
            ],
          });
        }
      }
      await mlflow.logBatch(input.tracking.parentRunId, {
        tags: [
          {
            key: 'anneal.search',
            value: `${input.sampler}: ${input.trials.length} trials, ${input.failed.length} failed, by validation ${input.objective.metric}`,
          },
        ],
      });
    },

    /** A training run's loss and accuracy per epoch (read back from MLflow) as `learning_curves` on that run. */
    async plotLearningCurves(raw: In<typeof LearningCurvesInput>): Promise<void> {
      const input = LearningCurvesInput.parse(raw);
      const keys = ['loss', 'val_loss', 'accuracy', 'val_accuracy'];
      const histories = await Promise.all(keys.map((metric) => mlflow.getMetricHistory(input.runId, metric)));
      const points = histories.flatMap((h, i) => h.map((m) => ({ metric: keys[i] as string, epoch: Number(m.step), value: m.value })));
      if (points.length === 0) return;
      const uri = (await mlflow.getRun(input.runId)).info.artifact_uri;
      await uploadChart(mlflow, `${uri}/learning_curves`, await renderChart(learningCurvesSpec(points, input.title)));
    },

    /** What the alias's model was trained on (fineTune before the gate; now `describeAlias` of the registry). */
    async championData(raw: In<typeof ChampionDataInput>): Promise<ChampionData> {
      const input = ChampionDataInput.parse(raw);
      const described = await registry.describeAlias(input.name, input.alias);
      if (!described) return {};
      return { version: described.version, ...(described.contentDigest ? { contentDigest: described.contentDigest } : {}) };
    },
  };
}

export type EvaluateActivities = ReturnType<typeof createEvaluateActivities>;

export function evaluatePlugin(deps: EvaluateDeps) {
  return activityPlugin('anneal.evaluate', createEvaluateActivities(deps));
}

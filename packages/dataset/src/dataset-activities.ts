import { ApplicationFailure } from '@temporalio/common';
import {
  ErrorType, IngestInput, SplitInput, ValidateInput, type DatasetRef, type In, type SplitOutput, type ValidationSummary,
} from '@anneal/contracts';
import { activityPlugin, withActivityRun, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import type { Dataset } from './dataset-format';
import { loadDataset, storeDataset } from './dataset-store';
import { readJsonl } from './read-jsonl';
import { readMnist } from './read-mnist';
import { splitStratified } from './split-dataset';
import { reportToMarkdown, validateDataset } from './validate-dataset';

export interface DatasetDeps {
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  /** Local folders a `jsonl` source may read from. */
  dataRoots: string[];
}

export function createDatasetActivities(deps: DatasetDeps) {
  const { mlflow, artifacts } = deps;
  const text = (s: string) => Buffer.from(s);

  return {
    async ingestDataset(raw: In<typeof IngestInput>): Promise<{ dataset: DatasetRef; runId: string }> {
      const input = IngestInput.parse(raw);
      const spec = input.dataset;
      return withActivityRun(mlflow, { tracking: input.tracking, runName: `ingest ${spec.name}`, params: { source: spec.source.kind, 'dataset.name': spec.name } }, async (run) => {
        const dataset: Dataset =
          spec.source.kind === 'mnist'
            ? await readMnist(spec.source, spec.name)
            : await readJsonl({ path: spec.source.path, dataRoots: deps.dataRoots, name: spec.name });
        if (spec.classes) dataset.classes = [...spec.classes];
        const ref = await storeDataset(artifacts, `${run.artifactUri}/dataset`, dataset);
        await mlflow.logBatch(run.runId, {
          params: paramsNotYet(run.existingParams, { 'dataset.rows': String(ref.rows), 'dataset.digest': ref.digest, 'dataset.features': String(ref.featureShape) }),
        });
        await mlflow.logInputs(run.runId, [{ name: spec.name, digest: ref.digest.slice(0, 16), sourceType: spec.source.kind, source: JSON.stringify(spec.source), schema: JSON.stringify({ featureShape: ref.featureShape, classes: ref.classes }), profile: JSON.stringify({ num_rows: ref.rows }), context: 'source' }]);
        return { dataset: ref, runId: run.runId };
      });
    },

    /** Fails with a non-retryable DatasetValidationError after logging the report, so the user can read why. */
    async validateDataset(raw: In<typeof ValidateInput>): Promise<ValidationSummary> {
      const input = ValidateInput.parse(raw);
      return withActivityRun(mlflow, { tracking: input.tracking, runName: `validate ${input.dataset.name}`, params: { 'dataset.digest': input.dataset.digest } }, async (run) => {
        const dataset = await loadDataset(artifacts, input.dataset);
        const report = validateDataset(dataset, { classes: input.spec.classes, minPerClass: input.spec.minPerClass, maxImbalance: 10, recommendedRows: 500 });
        await mlflow.uploadArtifact(`${run.artifactUri}/validation/report.json`, text(JSON.stringify(report, null, 2)));
        await mlflow.uploadArtifact(`${run.artifactUri}/validation/report.md`, text(reportToMarkdown(report)));
        const now = Date.now();
        const metric = (key: string, value: number) => ({ key, value, step: 0, timestamp: now });
        await mlflow.logBatch(run.runId, {
          metrics: [metric('rows', report.rows), metric('duplicate_rows', report.duplicateRows), metric('imbalance_ratio', report.imbalanceRatio), metric('errors', report.errors.length), metric('warnings', report.warnings.length)],
        });
        if (report.errors.length > 0) {
          throw ApplicationFailure.nonRetryable(
            `dataset ${dataset.name} failed validation: ${report.errors.join('; ')}`,
            ErrorType.DatasetValidation,
            { errors: report.errors, unknownLabels: report.unknownLabels.slice(0, 5), reportRunId: run.runId },
          );
        }
        return { rows: report.rows, classCounts: report.classCounts, imbalanceRatio: report.imbalanceRatio, duplicateRows: report.duplicateRows, warnings: report.warnings, runId: run.runId };
      });
    },

    async splitDataset(raw: In<typeof SplitInput>): Promise<SplitOutput> {
      const input = SplitInput.parse(raw);
      const params = { 'split.validation': String(input.split.validation), 'split.test': String(input.split.test), 'split.seed': String(input.split.seed), 'dataset.digest': input.dataset.digest };
      return withActivityRun(mlflow, { tracking: input.tracking, runName: `split ${input.dataset.name}`, params }, async (run) => {
        const dataset = await loadDataset(artifacts, input.dataset);
        // Rows outside the task's classes were refused by validation; keep the declared class order.
        const parts = splitStratified(dataset, input.split);
        const refs = {
          train: await storeDataset(artifacts, `${run.artifactUri}/train`, parts.train),
          validation: await storeDataset(artifacts, `${run.artifactUri}/validation`, parts.validation),
          test: await storeDataset(artifacts, `${run.artifactUri}/test`, parts.test),
        };
        const now = Date.now();
        await mlflow.logBatch(run.runId, { metrics: Object.entries(refs).map(([k, r]) => ({ key: `rows_${k}`, value: r.rows, step: 0, timestamp: now })) });
        await mlflow.logInputs(run.runId, Object.entries(refs).map(([context, r]) => ({
          name: r.name, digest: r.digest.slice(0, 16), sourceType: 'anneal', source: r.uri, schema: JSON.stringify({ featureShape: r.featureShape, classes: r.classes }), profile: JSON.stringify({ num_rows: r.rows }), context: context === 'train' ? 'training' : context,
        })));
        return { ...refs, runId: run.runId };
      });
    },
  };
}

function paramsNotYet(existing: Map<string, string>, params: Record<string, string>) {
  return Object.entries(params).filter(([k]) => !existing.has(k)).map(([key, value]) => ({ key, value }));
}

export type DatasetActivities = ReturnType<typeof createDatasetActivities>;

export function datasetPlugin(deps: DatasetDeps) {
  return activityPlugin('anneal.dataset', createDatasetActivities(deps));
}

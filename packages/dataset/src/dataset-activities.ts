import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  ErrorType,
  IngestInput,
  MLFLOW_TAGS,
  SplitInput,
  ValidateInput,
  type DatasetRef,
  type In,
  type SplitOutput,
  type ValidationSummary,
} from '@anneal/contracts';
import { activityPlugin, withActivityRun, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { loadDataset, loadIngested, storeDataset } from './dataset-store';
import { profileDataset } from './ingest/profile-dataset';
import type { Progress } from './ingest/ingest-result';
import { readSource } from './ingest/read-source';
import { findLeakage } from './split/find-leakage';
import { balanceClasses } from './split/class-balance';
import { fitScaling } from './split/feature-scaling';
import { alignFeatures } from './dataset-format';
import { splitStratified } from './split/split-dataset';
import { measureDrift } from './validate/drift';
import { resolveReference } from './validate/resolve-reference';
import { logReport } from './validate/log-report';
import { validateDataset } from './validate/validate-dataset';

export interface DatasetDeps {
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  /** Local folders a file source may read from. */
  dataRoots: string[];
  /** Where remote sources are streamed to before they are parsed; defaults to the OS temp folder. */
  downloadDir?: string;
}

/** Heartbeats while `work` runs, with how far it got, so a long read is not mistaken for a lost worker. */
async function withHeartbeat<T>(stage: string, work: (onProgress: Progress) => Promise<T>): Promise<T> {
  const started = Date.now();
  const ctx = Context.current();
  let progress: Parameters<Progress>[0] | undefined;
  const timer = setInterval(() => ctx.heartbeat({ stage, ...progress, seconds: Math.round((Date.now() - started) / 1000) }), 5000);
  try {
    return await work((p) => (progress = p));
  } finally {
    clearInterval(timer);
  }
}

export function createDatasetActivities(deps: DatasetDeps) {
  const { mlflow, artifacts } = deps;
  const downloadDir = deps.downloadDir ?? join(tmpdir(), 'anneal-downloads');
  return {
    async ingestDataset(raw: In<typeof IngestInput>): Promise<{ dataset: DatasetRef; runId: string }> {
      const input = IngestInput.parse(raw);
      const spec = input.dataset;
      return withActivityRun(
        mlflow,
        { tracking: input.tracking, runName: `ingest ${spec.name}`, params: { source: spec.source.kind, 'dataset.name': spec.name } },
        async (run) => {
          const ingested = await withHeartbeat('ingest', (onProgress) =>
            readSource({ spec, dataRoots: deps.dataRoots, downloadDir, mlflow, keepFeatures: true, onProgress }),
          );
          const { dataset, ...profile } = ingested;
          if (spec.classes) dataset.classes = [...spec.classes];
          const stats = profile.rowStats;
          const ref = await storeDataset(artifacts, `${run.artifactUri}/dataset`, dataset, { profile, contentDigest: stats.contentDigest });
          const params = {
            'dataset.rows': String(ref.rows),
            'dataset.digest': ref.digest,
            'dataset.contentDigest': stats.contentDigest,
            'dataset.features': String(ref.featureShape),
          };
          await mlflow.logBatch(run.runId, {
            params: Object.entries(params)
              .filter(([k]) => !run.existingParams.has(k))
              .map(([key, value]) => ({ key, value })),
            metrics: [
              { key: 'rows_read', value: stats.rows + stats.invalidRows, step: 0, timestamp: Date.now() },
              { key: 'rows_invalid', value: stats.invalidRows, step: 0, timestamp: Date.now() },
            ],
            tags: [{ key: MLFLOW_TAGS.datasetContentDigest, value: stats.contentDigest }],
          });
          await mlflow.logInputs(run.runId, [
            {
              name: spec.name,
              digest: stats.contentDigest.slice(0, 16),
              sourceType: spec.source.kind,
              source: JSON.stringify(spec.source),
              schema: JSON.stringify(profile.schema ?? { featureShape: ref.featureShape, classes: ref.classes }),
              profile: JSON.stringify({
                num_rows: ref.rows,
                invalid_rows: stats.invalidRows,
                duplicate_rows: stats.duplicateRows,
                classes: profile.classCounts,
                ordered_digest: stats.orderedDigest,
              }),
              context: 'source',
            },
          ]);
          return { dataset: ref, runId: run.runId };
        },
      );
    },

    /** Fails with a non-retryable DatasetValidationError after logging the report, so the user can read why. */
    async validateDataset(raw: In<typeof ValidateInput>): Promise<ValidationSummary> {
      const input = ValidateInput.parse(raw);
      const spec = input.spec;
      const policy = spec.validation;
      return withActivityRun(
        mlflow,
        { tracking: input.tracking, runName: `validate ${input.dataset.name}`, params: { 'dataset.digest': input.dataset.digest } },
        async (run) => {
          const { dataset, profile } = await loadIngested(artifacts, input.dataset);
          const ingested = profile ? { dataset, ...profile } : profileDataset(dataset);
          const reference = policy.checks.drift === 'off' ? {} : await resolveReference(mlflow, policy.reference);
          const drift = reference.ref ? measureDrift(dataset, await loadDataset(artifacts, reference.ref)) : undefined;
          if (reference.note) ingested.notices.push(reference.note);
          const report = validateDataset(ingested, {
            source: JSON.stringify(spec.source),
            policy,
            classes: spec.classes,
            minPerClass: spec.minPerClass,
            drift,
          });
          await logReport(mlflow, { runId: run.runId, artifactUri: run.artifactUri, report });
          if (!report.passed) {
            throw ApplicationFailure.nonRetryable(`dataset ${dataset.name} failed validation: ${report.failures.join('; ')}`, ErrorType.DatasetValidation, {
              failures: report.failures,
              warnings: report.warnings,
              reportRunId: run.runId,
            });
          }
          const driftSummary = drift
            ? {
                reference: reference.note ?? drift.reference.name,
                maxPsi: drift.maxPsi,
                labelShift: drift.labelShift,
                ...(drift.features[0] ? { worstFeature: String(drift.features[0].feature) } : {}),
              }
            : undefined;
          return {
            rows: report.rows,
            classCounts: report.classCounts,
            imbalanceRatio: report.imbalanceRatio,
            duplicateRows: report.rowStats.duplicateRows,
            warnings: report.warnings,
            runId: run.runId,
            ...(driftSummary ? { drift: driftSummary } : {}),
          };
        },
      );
    },

    async splitDataset(raw: In<typeof SplitInput>): Promise<SplitOutput> {
      const input = SplitInput.parse(raw);
      const { split } = input;
      const params: Record<string, string> = {
        'split.validation': String(split.validation),
        'split.test': String(split.test),
        'split.seed': String(split.seed),
        'split.balance': split.balance,
        'dataset.digest': input.dataset.digest,
      };
      if (split.pinnedTest) params['split.pinnedTest'] = split.pinnedTest.digest;
      return withActivityRun(mlflow, { tracking: input.tracking, runName: `split ${input.dataset.name}`, params }, async (run) => {
        const dataset = await loadDataset(artifacts, input.dataset);
        const stored = split.pinnedTest ? await loadDataset(artifacts, split.pinnedTest) : undefined;
        // The champion's rows may hold other gap indicators or categories than this data: its columns, by name.
        const pinned = stored && dataset.featureNames ? alignFeatures(stored, dataset) : stored;
        if (pinned) {
          const foreign = [...new Set(pinned.labels)].filter((l) => !dataset.classes.includes(l));
          if (foreign.length > 0)
            throw ApplicationFailure.nonRetryable(
              `pinned test split ${split.pinnedTest?.uri} has classes this task lacks: ${foreign.join(', ')}`,
              ErrorType.DatasetValidation,
            );
        }
        const parts = splitStratified(dataset, split, pinned);
        const leakage = findLeakage(parts);
        const now = Date.now();
        const metric = (key: string, value: number) => ({ key, value, step: 0, timestamp: now });
        await mlflow.logBatch(run.runId, {
          metrics: [
            ...(['train', 'validation', 'test'] as const).map((k) => metric(`rows_${k}`, parts[k].labels.length)),
            metric('leaked_rows', leakage.total),
            metric('dropped_for_pinned_test', parts.droppedForPinnedTest),
          ],
        });
        await mlflow.uploadArtifact(`${run.artifactUri}/split/leakage.json`, Buffer.from(JSON.stringify(leakage, null, 2)));
        if (leakage.total > 0 && input.leakage !== 'off') {
          const what = [
            ...leakage.sharedRows.filter((p) => p.rows > 0).map((p) => `${p.rows} row(s) shared by ${p.pair}`),
            ...leakage.groupsAcrossSplits.slice(0, 3).map((g) => `group "${g.group}" in ${g.splits.join(' and ')}`),
          ];
          const message = `leakage between splits: ${what.join('; ')}`;
          if (input.leakage === 'fail') throw ApplicationFailure.nonRetryable(message, ErrorType.DatasetValidation, { leakage });
          await mlflow.logBatch(run.runId, { tags: [{ key: 'anneal.warning.leakage', value: message }] });
        }
        const balanced = balanceClasses(parts.train, { mode: split.balance, maxImbalance: input.maxImbalance, seed: split.seed });
        await mlflow.logBatch(run.runId, {
          metrics: [metric('rows_added_by_balance', balanced.added)],
          tags: [{ key: 'anneal.classBalance', value: balanced.summary }],
        });
        const refs = {
          train: await storeDataset(artifacts, `${run.artifactUri}/train`, balanced.dataset),
          validation: await storeDataset(artifacts, `${run.artifactUri}/validation`, parts.validation),
          test: await storeDataset(artifacts, `${run.artifactUri}/test`, parts.test),
        };
        await mlflow.logInputs(
          run.runId,
          Object.entries(refs).map(([context, r]) => ({
            name: r.name,
            digest: r.digest.slice(0, 16),
            sourceType: 'anneal',
            source: r.uri,
            schema: JSON.stringify({ featureShape: r.featureShape, classes: r.classes }),
            profile: JSON.stringify({ num_rows: r.rows }),
            context: context === 'train' ? 'training' : context,
          })),
        );
        const scaling = fitScaling(parts.train);
        if (scaling)
          await mlflow.uploadArtifact(
            `${run.artifactUri}/split/scaling.json`,
            Buffer.from(JSON.stringify({ features: parts.train.featureNames, ...scaling }, null, 2)),
          );
        return { ...refs, runId: run.runId, ...(scaling ? { scaling } : {}) };
      });
    },
  };
}

export type DatasetActivities = ReturnType<typeof createDatasetActivities>;

export function datasetPlugin(deps: DatasetDeps) {
  return activityPlugin('anneal.dataset', createDatasetActivities(deps));
}

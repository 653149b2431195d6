import type { MlflowClient } from '@anneal/tracking';
import { reportToMarkdown } from './report-markdown';
import type { ValidationReport } from './validate-dataset';

/** The report as JSON and Markdown artifacts, its headline figures as metrics. */
export async function logReport(mlflow: MlflowClient, options: { runId: string; artifactUri: string; report: ValidationReport }): Promise<void> {
  const { report } = options;
  await mlflow.uploadArtifact(`${options.artifactUri}/validation/report.json`, Buffer.from(JSON.stringify(report, null, 2)));
  await mlflow.uploadArtifact(`${options.artifactUri}/validation/report.md`, Buffer.from(reportToMarkdown(report)));
  const now = Date.now();
  const s = report.rowStats;
  const figures: Record<string, number> = {
    rows: report.rows,
    rows_invalid: s.invalidRows,
    duplicate_rows: s.duplicateRows,
    conflicting_labels: s.conflictingLabels,
    imbalance_ratio: report.imbalanceRatio,
    classes: report.classes.length,
    checks_failed: report.failures.length,
    checks_warned: report.warnings.length,
    missing_values: report.columns.reduce((n, c) => n + c.missing, 0),
  };
  if (report.drift) {
    figures.drift_max_psi = report.drift.maxPsi;
    figures.label_shift = report.drift.labelShift;
  }
  await mlflow.logBatch(options.runId, { metrics: Object.entries(figures).map(([key, value]) => ({ key, value, step: 0, timestamp: now })) });
}

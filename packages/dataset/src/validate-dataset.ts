import { createHash } from 'node:crypto';
import { featureSize, type Dataset } from './dataset-format';

export interface ValidationPolicy {
  classes?: readonly string[];
  minPerClass: number;
  /** Warn above this ratio of the largest to the smallest class. */
  maxImbalance?: number;
  /** Warn when there are fewer examples than this in all. */
  recommendedRows?: number;
}

export interface ValidationReport {
  dataset: string;
  rows: number;
  featureSize: number;
  classes: string[];
  classCounts: Record<string, number>;
  imbalanceRatio: number;
  duplicateRows: number;
  conflictingLabels: number;
  nonFiniteValues: number;
  /** First rows whose label is not one of the task's classes: row is 1-based (the line of a JSON Lines file). */
  unknownLabels: { row: number; field: 'label'; expected: string; found: string }[];
  errors: string[];
  warnings: string[];
}

const MAX_LISTED = 20;

/** Checks a dataset against the task: labels, class sizes, balance, duplicates, non-finite values. */
export function validateDataset(dataset: Dataset, policy: ValidationPolicy): ValidationReport {
  const size = featureSize(dataset.featureShape);
  const classes = [...(policy.classes ?? dataset.classes)];
  const known = new Set(classes);
  const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  const unknownLabels: ValidationReport['unknownLabels'] = [];
  let unknownTotal = 0;
  dataset.labels.forEach((label, i) => {
    if (known.has(label)) counts[label] = (counts[label] ?? 0) + 1;
    else {
      unknownTotal++;
      if (unknownLabels.length < MAX_LISTED) unknownLabels.push({ row: i + 1, field: 'label', expected: `one of ${classes.join(', ')}`, found: label });
    }
  });

  let nonFinite = 0;
  for (const v of dataset.features) if (!Number.isFinite(v)) nonFinite++;

  const seen = new Map<string, string>();
  let duplicates = 0;
  let conflicts = 0;
  for (let i = 0; i < dataset.labels.length; i++) {
    const key = createHash('sha1').update(dataset.features.subarray(i * size, (i + 1) * size)).digest('hex');
    const prior = seen.get(key);
    if (prior === undefined) seen.set(key, dataset.labels[i] as string);
    else {
      duplicates++;
      if (prior !== dataset.labels[i]) conflicts++;
    }
  }

  const present = Object.values(counts).filter((n) => n > 0);
  const imbalance = present.length > 0 ? Math.max(...present) / Math.min(...present) : 0;
  const errors: string[] = [];
  const warnings: string[] = [];
  if (dataset.labels.length === 0) errors.push('dataset has no rows');
  if (unknownTotal > 0) {
    const first = unknownLabels[0];
    errors.push(`${unknownTotal} row(s) have a label outside the task's classes; first: row ${first?.row}, field "label", expected ${first?.expected}, found "${first?.found}"`);
  }
  if (nonFinite > 0) errors.push(`${nonFinite} feature value(s) are NaN or infinite`);
  const small = classes.filter((c) => (counts[c] ?? 0) < policy.minPerClass);
  if (small.length > 0) errors.push(`class(es) below minPerClass ${policy.minPerClass}: ${small.map((c) => `${c} (${counts[c] ?? 0})`).join(', ')}`);
  if (present.length < 2) errors.push(`need at least 2 classes with examples, found ${present.length}`);
  if (duplicates === dataset.labels.length - seen.size && seen.size === 1 && dataset.labels.length > 1) errors.push('all rows are duplicates of one row');
  if (conflicts > 0) warnings.push(`${conflicts} duplicate input(s) carry conflicting labels`);
  if (duplicates > 0) warnings.push(`${duplicates} exact duplicate row(s)`);
  if (policy.maxImbalance !== undefined && imbalance > policy.maxImbalance) warnings.push(`class imbalance ${imbalance.toFixed(1)}:1 exceeds ${policy.maxImbalance}:1`);
  if (policy.recommendedRows !== undefined && dataset.labels.length < policy.recommendedRows) {
    warnings.push(`only ${dataset.labels.length} rows; fine-tuning usually wants at least ${policy.recommendedRows}`);
  }
  return {
    dataset: dataset.name, rows: dataset.labels.length, featureSize: size, classes, classCounts: counts,
    imbalanceRatio: imbalance, duplicateRows: duplicates, conflictingLabels: conflicts, nonFiniteValues: nonFinite,
    unknownLabels, errors, warnings,
  };
}

export function reportToMarkdown(report: ValidationReport): string {
  const lines = [
    `# Validation report: ${report.dataset}`,
    '',
    `**${report.errors.length === 0 ? 'PASSED' : 'FAILED'}** — ${report.rows} rows, ${report.featureSize} features, ${report.classes.length} classes`,
    '',
    '| class | count |', '| --- | ---: |',
    ...report.classes.map((c) => `| ${c} | ${report.classCounts[c] ?? 0} |`),
    '',
    `- imbalance ratio: ${report.imbalanceRatio.toFixed(2)}`,
    `- duplicate rows: ${report.duplicateRows} (conflicting labels: ${report.conflictingLabels})`,
    `- non-finite values: ${report.nonFiniteValues}`,
  ];
  if (report.errors.length > 0) lines.push('', '## Errors', ...report.errors.map((e) => `- ${e}`));
  if (report.warnings.length > 0) lines.push('', '## Warnings', ...report.warnings.map((w) => `- ${w}`));
  if (report.unknownLabels.length > 0) {
    lines.push('', '## Rows with unknown labels', '| row | field | expected | found |', '| ---: | --- | --- | --- |');
    lines.push(...report.unknownLabels.map((u) => `| ${u.row} | ${u.field} | ${u.expected} | ${u.found} |`));
  }
  return `${lines.join('\n')}\n`;
}

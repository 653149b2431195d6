import type { CheckLevel, CheckName, TableSchema, ValidationPolicy } from '@anneal/contracts';
import { descriptorOf } from '../dataset-format';
import type { FeatureDescriptor } from '../features/descriptor';
import type { ColumnProfile } from '../ingest/column-profile';
import type { IngestResult } from '../ingest/ingest-result';
import type { RowProblem, RowStats } from '../ingest/collector';
import type { DriftReport } from './drift';

export interface CheckResult {
  check: CheckName;
  level: CheckLevel;
  /** `fail` or `warn` when the check fired at that level; `pass` when it did not fire; `off` when skipped. */
  status: 'pass' | 'warn' | 'fail' | 'off';
  message: string;
  value?: number;
  threshold?: number;
}

export interface ValidationReport {
  dataset: string;
  source: string;
  passed: boolean;
  rows: number;
  featureShape: number[];
  /** What the row's features are, source by source (the encoders drift and scaling go by). */
  features: FeatureDescriptor;
  classes: string[];
  classCounts: Record<string, number>;
  imbalanceRatio: number;
  rowStats: RowStats;
  schema?: TableSchema;
  schemaInferred?: boolean;
  columns: ColumnProfile[];
  /** A text dataset's most similar near-duplicate pairs. */
  nearDuplicates?: NonNullable<IngestResult['nearDuplicates']>['examples'];
  drift?: DriftReport;
  notices: string[];
  checks: CheckResult[];
  /** One line per check that failed, and per check that warned. */
  failures: string[];
  warnings: string[];
}

export interface ValidateOptions {
  /** Where the rows came from, for the report. */
  source: string;
  policy: ValidationPolicy;
  /** The task's classes when the spec names them. */
  classes?: readonly string[];
  minPerClass: number;
  drift?: DriftReport;
}

const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;
const where = (p: RowProblem) => `${p.at}, field "${p.field}", expected ${p.expected}, found ${p.found}`;

/** Runs every check on what ingest gathered; the policy says which failures stop the pipeline. */
export function validateDataset(ingest: IngestResult, options: ValidateOptions): ValidationReport {
  const { rowStats: stats, classCounts, dataset } = ingest;
  const { policy } = options;
  const declared = options.classes ? [...options.classes] : undefined;
  const classes = declared ?? Object.keys(classCounts).sort();
  const present = classes.map((c) => classCounts[c] ?? 0).filter((n) => n > 0);
  const imbalance = present.length > 0 ? Math.max(...present) / Math.min(...present) : 0;
  const checks: CheckResult[] = [];
  const check = (name: CheckName, fired: boolean, message: string, figures: { value?: number; threshold?: number } = {}) => {
    const level = policy.checks[name];
    checks.push({ check: name, level, status: level === 'off' ? 'off' : fired ? level : 'pass', message, ...figures });
  };

  const first = stats.invalidExamples[0];
  check(
    'invalidRows',
    stats.invalidRows > 0,
    first ? `${stats.invalidRows} of ${stats.rows + stats.invalidRows} rows invalid; first: ${where(first)}` : 'every row matches the schema',
    { value: stats.invalidRows, threshold: 0 },
  );

  const unknown = declared
    ? Object.keys(classCounts)
        .filter((c) => !declared.includes(c))
        .sort()
    : [];
  const unknownRows = unknown.reduce((s, c) => s + (classCounts[c] ?? 0), 0);
  const u = unknown[0];
  check(
    'unknownLabels',
    unknownRows > 0,
    u === undefined
      ? "every label is one of the task's classes"
      : `${unknownRows} row(s) have a label outside the task's classes (${unknown.map((c) => `"${c}" x${classCounts[c]}`).join(', ')}); first: ${ingest.firstSeen[u]}, field "label", expected one of ${classes.join(', ')}, found "${u}"`,
    { value: unknownRows, threshold: 0 },
  );

  check('classCount', present.length < 2, `${present.length} class(es) with examples; a classifier needs at least 2`, { value: present.length, threshold: 2 });

  const small = classes.filter((c) => (classCounts[c] ?? 0) < options.minPerClass);
  check(
    'minPerClass',
    small.length > 0,
    small.length > 0
      ? `class(es) below minPerClass ${options.minPerClass}: ${small.map((c) => `${c} (${classCounts[c] ?? 0})`).join(', ')}`
      : `every class has at least ${options.minPerClass} rows`,
    { value: Math.min(...classes.map((c) => classCounts[c] ?? 0)), threshold: options.minPerClass },
  );

  const distinct = stats.rows - stats.duplicateRows - stats.conflictingLabels;
  check('allDuplicates', stats.rows > 1 && distinct === 1, `${distinct} distinct input(s) among ${stats.rows} rows`, { value: distinct, threshold: 2 });

  const dup = stats.duplicateExamples.find((d) => !d.conflict);
  check(
    'duplicates',
    stats.duplicateRows > 0,
    dup
      ? `${stats.duplicateRows} exact duplicate row(s) (${pct(stats.duplicateRows, stats.rows)}); first: ${dup.at} repeats ${dup.sameAs}`
      : 'no duplicate rows',
    { value: stats.duplicateRows, threshold: 0 },
  );

  const near = ingest.nearDuplicates;
  const pair = near?.examples[0];
  check(
    'nearDuplicates',
    (near?.count ?? 0) > 0,
    !near
      ? ingest.schema?.text
        ? 'not measured (the texts were not kept)'
        : 'not a text dataset'
      : pair
        ? `${near.count} near-duplicate text pair(s) among ${near.rows} rows (word 3-gram Jaccard >= ${near.threshold}; exact copies are duplicates); first: ${pair.at} ~ ${pair.sameAs} (${pair.similarity.toFixed(2)})`
        : `no near-duplicate texts (word 3-gram Jaccard >= ${near.threshold})`,
    { value: near?.count ?? 0, threshold: 0 },
  );

  const conflict = stats.duplicateExamples.find((d) => d.conflict);
  check(
    'conflictingLabels',
    stats.conflictingLabels > 0,
    conflict
      ? `${stats.conflictingLabels} row(s) repeat an earlier input with another label; first: ${conflict.at} vs ${conflict.sameAs}`
      : 'no identical inputs with different labels',
    { value: stats.conflictingLabels, threshold: 0 },
  );

  const missing = ingest.columns.filter((c) => c.missing > 0);
  check(
    'missingValues',
    missing.length > 0,
    missing.length > 0
      ? `missing values in ${missing.map((c) => `${c.name} (${c.missing}, ${pct(c.missing, c.count)})`).join(', ')}; a missing number is filled with its training mean inside the model (with a missing-indicator feature), a missing category is all zeros`
      : 'no missing values',
    { value: missing.reduce((s, c) => s + c.missing, 0), threshold: 0 },
  );

  // A feature with no value in any row (an empty text column too) teaches nothing: most likely a wrong column or file.
  const empty = ingest.columns.filter((c) => c.role === 'feature' && c.count > 0 && c.missing === c.count);
  check(
    'emptyColumns',
    empty.length > 0,
    empty.length > 0
      ? `feature column(s) with no value in any row: ${empty.map((c) => `${c.name} (${c.missing} of ${c.count} missing)`).join(', ')}; leave them out of the schema's columns, or set validation.checks.emptyColumns to warn`
      : 'every feature column has values',
    { value: empty.length, threshold: 0 },
  );

  const constant = ingest.columns.filter((c) => c.constant && c.role === 'feature');
  check(
    'constantColumns',
    constant.length > 0,
    constant.length > 0 ? `constant feature column(s), which carry no signal: ${constant.map((c) => c.name).join(', ')}` : 'no constant feature columns',
    { value: constant.length, threshold: 0 },
  );

  check('imbalance', imbalance > policy.maxImbalance, `largest to smallest class ${imbalance.toFixed(1)}:1 (limit ${policy.maxImbalance}:1)`, {
    value: imbalance,
    threshold: policy.maxImbalance,
  });

  check(
    'datasetSize',
    stats.rows < policy.recommendedRows,
    stats.rows < policy.recommendedRows
      ? `only ${stats.rows} rows; fine-tuning usually wants a few hundred to thousands (recommendedRows ${policy.recommendedRows})`
      : `${stats.rows} rows`,
    { value: stats.rows, threshold: policy.recommendedRows },
  );

  if (options.drift) {
    const d = options.drift;
    const top = d.features[0];
    check(
      'drift',
      d.maxPsi > policy.maxPsi || d.labelShift > policy.maxLabelShift,
      `against ${d.reference.name}: largest PSI ${d.maxPsi.toFixed(3)}${top ? ` (${top.feature})` : ''} (limit ${policy.maxPsi}), label shift ${d.labelShift.toFixed(3)} (limit ${policy.maxLabelShift})`,
      { value: d.maxPsi, threshold: policy.maxPsi },
    );
  }

  const mismatches = ingest.formatMismatches ?? [];
  const m = mismatches[0];
  check(
    'fileFormat',
    mismatches.length > 0,
    m
      ? `${mismatches.length} image(s) whose content differs from their extension; first: ${m.at} is a ${m.actual.toUpperCase()}`
      : 'every file is what its extension says',
    { value: mismatches.length, threshold: 0 },
  );

  const line = (c: CheckResult) => `${c.check}: ${c.message}`;
  return {
    dataset: dataset.name,
    source: options.source,
    passed: !checks.some((c) => c.status === 'fail'),
    rows: stats.rows,
    featureShape: dataset.featureShape,
    features: descriptorOf(dataset),
    classes,
    classCounts,
    imbalanceRatio: imbalance,
    rowStats: stats,
    ...(ingest.schema ? { schema: ingest.schema, schemaInferred: ingest.schemaInferred ?? false } : {}),
    columns: ingest.columns,
    ...(ingest.nearDuplicates ? { nearDuplicates: ingest.nearDuplicates.examples } : {}),
    ...(options.drift ? { drift: options.drift } : {}),
    notices: ingest.notices,
    checks,
    failures: checks.filter((c) => c.status === 'fail').map(line),
    warnings: checks.filter((c) => c.status === 'warn').map(line),
  };
}

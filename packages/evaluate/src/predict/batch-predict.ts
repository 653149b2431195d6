import {
  DatasetSpec,
  ErrorType,
  InputError,
  MLFLOW_TAGS,
  parseModelsUri,
  parseWithProblems,
  type ColumnSpec,
  type DatasetSource,
  type ModelRef,
} from '@anneal/contracts';
import { alignFeatures, columnEncoding, loadDataset, readSource, wideCategoriesOf, type Dataset } from '@anneal/dataset';
import { loadModel } from '@anneal/models';
import { findModelVersion, registeredRef } from '@anneal/registry';
import type { ArtifactStore, MlflowClient, ModelVersion } from '@anneal/tracking';
import { argmax } from '../classification-metrics';
import { predictRows } from '../predict-rows';

export interface PredictDeps {
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  dataRoots: readonly string[];
  downloadDir: string;
}

export interface PredictInput {
  /** `models:/<name>@<alias>` or `models:/<name>/<version>`. */
  model: string;
  source: DatasetSource;
  /** A table's label column, when the rows have one: accuracy is reported too. */
  labelColumn?: string;
}

export interface Predictions {
  model: { name: string; version: string };
  classes: string[];
  /** Per scored row: its index among the rows read, the predicted class, the class probabilities and any label. */
  rows: { row: number; predicted: string; probabilities: number[]; label?: string }[];
  /** Rows that failed the model's input checks (not scored), with the first few named by file and line. */
  invalidRows: number;
  invalidExamples: string[];
  accuracy?: number;
}

/**
 * Batch predictions of a registered model: the rows are read with the layout the model was trained on (a table's
 * feature columns by name, an image's size), and its preprocessing runs inside the model, so raw rows go in.
 */
export async function predictBatch(deps: PredictDeps, input: PredictInput): Promise<Predictions> {
  const { version, ref } = await registeredModel(deps.mlflow, input.model);
  const layout = await trainingLayout(deps.artifacts, version, ref);
  const tabular = layout.featureNames !== undefined;
  const parsed = parseWithProblems(DatasetSpec, {
    name: 'predict',
    source: input.source,
    ...(tabular ? { schema: batchSchema(layout, input.labelColumn) } : { image: imageOf(ref.inputShape) }),
  });
  if (!parsed.ok) throw new InputError(ErrorType.InvalidInput, `the batch to score: ${parsed.problems.join('; ')}`);
  const spec = parsed.value;
  const read = await readSource({
    spec,
    dataRoots: deps.dataRoots,
    downloadDir: deps.downloadDir,
    mlflow: deps.mlflow,
    keepFeatures: true,
    unlabelled: tabular && !input.labelColumn,
  });
  const rows = tabular ? alignFeatures(read.dataset, layout) : read.dataset;
  const model = await loadModel(deps.artifacts, ref);
  try {
    const classes = ref.classes ?? layout.classes;
    const probs = await predictRows(model, rows);
    const k = classes.length;
    const labelled = !tabular || input.labelColumn !== undefined;
    const scored = rows.labels.map((label, r) => {
      const p = probs.subarray(r * k, (r + 1) * k);
      return { row: r, predicted: classes[argmax(p)] as string, probabilities: Array.from(p), ...(labelled ? { label } : {}) };
    });
    return {
      model: { name: ref.name, version: version.version },
      classes,
      rows: scored,
      invalidRows: read.rowStats.invalidRows,
      invalidExamples: read.rowStats.invalidExamples.map((e) => `${e.at}: ${e.field}: expected ${e.expected}, found ${e.found}`),
      ...(labelled && scored.length > 0 ? { accuracy: scored.filter((s) => s.predicted === s.label).length / scored.length } : {}),
    };
  } finally {
    model.dispose();
  }
}

async function registeredModel(mlflow: MlflowClient, uri: string): Promise<{ version: ModelVersion; ref: ModelRef }> {
  const parsed = parseModelsUri(uri);
  if (!parsed) throw new InputError(ErrorType.InvalidInput, `model: expected models:/<name>@<alias> or models:/<name>/<version>, found ${uri}`);
  const version = await findModelVersion(mlflow, parsed);
  if (!version) throw new InputError(ErrorType.ModelSource, `${uri}: no such registered model version in ${mlflow.trackingUri}`);
  const ref = registeredRef(version);
  if (!ref) throw new InputError(ErrorType.ModelSource, `${uri} (v${version.version}) was not registered by Anneal: it has no anneal.modelRef tag`);
  return { version, ref };
}

/** What the model was trained on: a table's feature names, or an image's shape, read off its pinned test split. */
async function trainingLayout(
  artifacts: ArtifactStore,
  version: ModelVersion,
  ref: ModelRef,
): Promise<Pick<Dataset, 'classes' | 'featureNames' | 'tableSchema' | 'descriptor'>> {
  const split = version.tags.find((t) => t.key === MLFLOW_TAGS.testSplit)?.value;
  if (ref.inputShape.length === 3) return { classes: ref.classes ?? [] };
  if (!split) throw new InputError(ErrorType.ModelSource, `${ref.name} v${version.version} has no test split tag: its feature columns are unknown`);
  const test = await loadDataset(artifacts, JSON.parse(split) as { uri: string; digest: string });
  if (!test.featureNames)
    throw new InputError(ErrorType.ModelIncompatible, `${ref.name} v${version.version} was not trained on a table: predict reads tables and image folders`);
  return {
    classes: test.classes,
    featureNames: test.featureNames,
    ...(test.tableSchema ? { tableSchema: test.tableSchema } : {}),
    ...(test.descriptor ? { descriptor: test.descriptor } : {}),
  };
}

/**
 * How to read the batch: the training schema's feature columns (with their category vocabularies and the wide
 * categories' hashing), so the one-hot and hashed columns come out as in training, and the label column only when the batch has one. A model trained before the
 * schema travelled with its data reads its numeric feature columns by name.
 */
function batchSchema(layout: Pick<Dataset, 'featureNames' | 'tableSchema'>, label: string | undefined) {
  const labelColumn = label ? [{ name: label, type: 'category', nullable: false }] : [];
  if (!layout.tableSchema) {
    const columns = (layout.featureNames as string[]).map((name) => ({ name, type: 'number', nullable: true }));
    return { columns: [...columns, ...labelColumn], label: label ?? 'label' };
  }
  const { columns, label: trainedLabel, group, text } = layout.tableSchema;
  // Wide categories are hashed (or dropped) as in training, into as many buckets.
  const wideCategories = wideCategoriesOf(layout.tableSchema);
  const feature = (c: ColumnSpec) => (text ? c.name === text.column : columnEncoding(c, wideCategories).kind !== 'unused');
  const features = columns.filter((c) => c.name !== trainedLabel && c.name !== group && feature(c));
  return { columns: [...features, ...labelColumn], label: label ?? trainedLabel, wideCategories, ...(text ? { text } : {}) };
}

function imageOf(shape: readonly number[]) {
  const [height, width, channels] = shape as [number, number, number];
  return { width, height, channels };
}

/** Predictions as CSV (a header, then a row each) or JSONL (one object each). */
export function formatPredictions(p: Predictions, format: 'csv' | 'jsonl'): string {
  if (format === 'jsonl')
    return p.rows.map((r) => JSON.stringify({ ...r, probabilities: Object.fromEntries(p.classes.map((c, i) => [c, r.probabilities[i]])) })).join('\n') + '\n';
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const labelled = p.rows[0]?.label !== undefined;
  const header = ['row', 'predicted', ...p.classes.map((c) => `p_${c}`), ...(labelled ? ['label'] : [])].map(quote).join(',');
  const lines = p.rows.map((r) =>
    [String(r.row), quote(r.predicted), ...r.probabilities.map((x) => x.toFixed(6)), ...(labelled ? [quote(r.label ?? '')] : [])].join(','),
  );
  return [header, ...lines].join('\n') + '\n';
}

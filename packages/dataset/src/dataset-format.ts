import { ErrorType, InputError } from '@anneal/contracts';
import type { ArtifactFile } from '@anneal/tracking';
import type { TableSchema } from '@anneal/contracts';
import { descriptorWidth, keepInDescriptor, type FeatureDescriptor } from './features/descriptor';
import { inferDescriptor } from './features/infer-descriptor';

/** A labelled dataset in memory: row-major float32 features and one label string per row. */
export interface Dataset {
  name: string;
  featureShape: number[];
  classes: string[];
  features: Float32Array;
  labels: string[];
  /** Per-row group (a schema's `group` column): rows of one group never span two splits. */
  groups?: string[];
  /** Column names of a table's features, in order. */
  featureNames?: string[];
  /** The table schema the rows were read with (its category vocabularies): how to read new rows for the model. */
  tableSchema?: TableSchema;
  /** What each part of a row is (see descriptorOf): set by every reader; absent only in datasets stored before it. */
  descriptor?: FeatureDescriptor;
}

interface Meta {
  format: 'anneal.dataset/v1';
  name: string;
  rows: number;
  featureShape: number[];
  classes: string[];
  featureNames?: string[];
  tableSchema?: TableSchema;
  descriptor?: FeatureDescriptor;
}

export function featureSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function rowCount(dataset: Dataset): number {
  return dataset.labels.length;
}

export function encodeDataset(dataset: Dataset): ArtifactFile[] {
  const meta: Meta = {
    format: 'anneal.dataset/v1',
    name: dataset.name,
    rows: dataset.labels.length,
    featureShape: dataset.featureShape,
    classes: dataset.classes,
    ...(dataset.featureNames ? { featureNames: dataset.featureNames } : {}),
    ...(dataset.tableSchema ? { tableSchema: dataset.tableSchema } : {}),
    descriptor: descriptorOf(dataset),
  };
  const f = dataset.features;
  const files = [
    { name: 'meta.json', bytes: Buffer.from(JSON.stringify(meta)) },
    { name: 'features.f32', bytes: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) },
    { name: 'labels.json', bytes: Buffer.from(JSON.stringify(dataset.labels)) },
  ];
  if (dataset.groups) files.push({ name: 'groups.json', bytes: Buffer.from(JSON.stringify(dataset.groups)) });
  return files;
}

export function decodeDataset(files: Map<string, Uint8Array>): Dataset {
  const meta = JSON.parse(text(files, 'meta.json')) as Meta;
  if (meta.format !== 'anneal.dataset/v1') throw new InputError(ErrorType.ArtifactIntegrity, `unknown dataset format ${String(meta.format)}`);
  const raw = need(files, 'features.f32');
  // Copy into an aligned buffer: the downloaded bytes may start at any offset.
  const features = new Float32Array(raw.byteLength / 4);
  new Uint8Array(features.buffer).set(raw);
  const labels = JSON.parse(text(files, 'labels.json')) as string[];
  if (labels.length !== meta.rows || features.length !== meta.rows * featureSize(meta.featureShape)) {
    throw new InputError(ErrorType.ArtifactIntegrity, `dataset ${meta.name}: stored sizes disagree with its meta.json`);
  }
  if (meta.descriptor && descriptorWidth(meta.descriptor) !== featureSize(meta.featureShape)) {
    throw new InputError(
      ErrorType.ArtifactIntegrity,
      `dataset ${meta.name}: its feature descriptor covers ${descriptorWidth(meta.descriptor)} values a row, its rows have ${featureSize(meta.featureShape)}`,
    );
  }
  const groups = files.has('groups.json') ? (JSON.parse(text(files, 'groups.json')) as string[]) : undefined;
  return {
    name: meta.name,
    featureShape: meta.featureShape,
    classes: meta.classes,
    features,
    labels,
    ...(groups ? { groups } : {}),
    ...(meta.featureNames ? { featureNames: meta.featureNames } : {}),
    ...(meta.tableSchema ? { tableSchema: meta.tableSchema } : {}),
    ...(meta.descriptor ? { descriptor: meta.descriptor } : {}),
  };
}

/** The dataset's feature descriptor: the one its reader gave it, or for one stored before, what its rows must be. */
export function descriptorOf(dataset: Pick<Dataset, 'featureShape' | 'featureNames' | 'tableSchema' | 'descriptor'>): FeatureDescriptor {
  return (
    dataset.descriptor ??
    inferDescriptor({
      featureShape: dataset.featureShape,
      ...(dataset.featureNames ? { featureNames: dataset.featureNames } : {}),
      text: dataset.tableSchema?.text !== undefined,
    })
  );
}

/** Rows `indices` of `dataset`, as a new dataset. */
/** The rows `indices` of a row-major array of `width` values per row, in that order. */
export function gatherRows(values: Float32Array, indices: readonly number[], width: number): Float32Array {
  const out = new Float32Array(indices.length * width);
  indices.forEach((row, i) => out.set(values.subarray(row * width, (row + 1) * width), i * width));
  return out;
}

export function selectRows(dataset: Dataset, indices: readonly number[], name: string): Dataset {
  const features = gatherRows(dataset.features, indices, featureSize(dataset.featureShape));
  const { groups } = dataset;
  return {
    ...dataset,
    name,
    features,
    labels: indices.map((i) => dataset.labels[i] as string),
    ...(groups ? { groups: indices.map((i) => groups[i] as string) } : {}),
  };
}

function need(files: Map<string, Uint8Array>, name: string): Uint8Array {
  const bytes = files.get(name);
  if (!bytes) throw new InputError(ErrorType.ArtifactIntegrity, `dataset artifact has no ${name}`);
  return bytes;
}

function text(files: Map<string, Uint8Array>, name: string): string {
  return Buffer.from(need(files, name)).toString('utf8');
}

/** The dataset with only the feature columns marked in `keep` (a table's names follow). */
export function keepFeatures(dataset: Dataset, keep: readonly boolean[]): Dataset {
  if (keep.every(Boolean) || dataset.featureShape.length !== 1) return dataset;
  const width = keep.length;
  const columns = keep.flatMap((k, i) => (k ? [i] : []));
  const rows = dataset.labels.length;
  const kept = dataset.features.length === 0 ? dataset.features : new Float32Array(rows * columns.length);
  if (kept.length > 0) for (let r = 0; r < rows; r++) columns.forEach((c, j) => (kept[r * columns.length + j] = dataset.features[r * width + c] as number));
  return {
    ...dataset,
    features: kept,
    featureShape: [columns.length],
    descriptor: keepInDescriptor(descriptorOf(dataset), keep),
    ...(dataset.featureNames ? { featureNames: columns.map((c) => dataset.featureNames?.[c] as string) } : {}),
  };
}

/**
 * A table's rows with the feature columns of `layout` (another table's), matched by name: a column the rows lack
 * reads 0 (a missing indicator of a column that had no gaps there, or a category they never held). How a model's
 * columns are filled from rows encoded with other ones (a batch to score, a champion's pinned test rows).
 */
export function alignFeatures(dataset: Dataset, layout: Pick<Dataset, 'featureNames' | 'descriptor' | 'tableSchema'>): Dataset {
  const names = layout.featureNames ?? [];
  const own = dataset.featureNames ?? [];
  if (own.length === names.length && own.every((n, i) => n === names[i])) return dataset;
  const descriptor = descriptorOf({ ...layout, featureShape: [names.length], featureNames: names });
  const have = new Map(own.map((n, i) => [n, i]));
  const width = featureSize(dataset.featureShape);
  const rows = dataset.labels.length;
  const out = new Float32Array(rows * names.length);
  names.forEach((name, j) => {
    const i = have.get(name);
    if (i !== undefined) for (let r = 0; r < rows; r++) out[r * names.length + j] = dataset.features[r * width + i] as number;
  });
  return { ...dataset, features: out, featureShape: [names.length], featureNames: [...names], descriptor };
}

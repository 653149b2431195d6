import { ErrorType, InputError } from '@anneal/contracts';
import type { ArtifactFile } from '@anneal/tracking';

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
}

interface Meta {
  format: 'anneal.dataset/v1';
  name: string;
  rows: number;
  featureShape: number[];
  classes: string[];
  featureNames?: string[];
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
  const groups = files.has('groups.json') ? (JSON.parse(text(files, 'groups.json')) as string[]) : undefined;
  return {
    name: meta.name,
    featureShape: meta.featureShape,
    classes: meta.classes,
    features,
    labels,
    ...(groups ? { groups } : {}),
    ...(meta.featureNames ? { featureNames: meta.featureNames } : {}),
  };
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

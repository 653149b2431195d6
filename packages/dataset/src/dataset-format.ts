import type { ArtifactFile } from '@anneal/tracking';

/** A labelled dataset in memory: row-major float32 features and one label string per row. */
export interface Dataset {
  name: string;
  featureShape: number[];
  classes: string[];
  features: Float32Array;
  labels: string[];
}

interface Meta {
  format: 'anneal.dataset/v1';
  name: string;
  rows: number;
  featureShape: number[];
  classes: string[];
}

export function featureSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function rowCount(dataset: Dataset): number {
  return dataset.labels.length;
}

export function encodeDataset(dataset: Dataset): ArtifactFile[] {
  const meta: Meta = { format: 'anneal.dataset/v1', name: dataset.name, rows: dataset.labels.length, featureShape: dataset.featureShape, classes: dataset.classes };
  const f = dataset.features;
  return [
    { name: 'meta.json', bytes: Buffer.from(JSON.stringify(meta)) },
    { name: 'features.f32', bytes: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) },
    { name: 'labels.json', bytes: Buffer.from(JSON.stringify(dataset.labels)) },
  ];
}

export function decodeDataset(files: Map<string, Uint8Array>): Dataset {
  const meta = JSON.parse(text(files, 'meta.json')) as Meta;
  if (meta.format !== 'anneal.dataset/v1') throw new Error(`unknown dataset format ${String(meta.format)}`);
  const raw = need(files, 'features.f32');
  // Copy into an aligned buffer: the downloaded bytes may start at any offset.
  const features = new Float32Array(raw.byteLength / 4);
  new Uint8Array(features.buffer).set(raw);
  const labels = JSON.parse(text(files, 'labels.json')) as string[];
  if (labels.length !== meta.rows || features.length !== meta.rows * featureSize(meta.featureShape)) {
    throw new Error(`dataset ${meta.name}: stored sizes disagree with its meta.json`);
  }
  return { name: meta.name, featureShape: meta.featureShape, classes: meta.classes, features, labels };
}

/** Rows `indices` of `dataset`, as a new dataset. */
export function selectRows(dataset: Dataset, indices: readonly number[], name: string): Dataset {
  const size = featureSize(dataset.featureShape);
  const features = new Float32Array(indices.length * size);
  indices.forEach((row, i) => features.set(dataset.features.subarray(row * size, (row + 1) * size), i * size));
  return { ...dataset, name, features, labels: indices.map((i) => dataset.labels[i] as string) };
}

function need(files: Map<string, Uint8Array>, name: string): Uint8Array {
  const bytes = files.get(name);
  if (!bytes) throw new Error(`dataset artifact has no ${name}`);
  return bytes;
}

function text(files: Map<string, Uint8Array>, name: string): string {
  return Buffer.from(need(files, name)).toString('utf8');
}

import { ErrorType, InputError } from '@anneal/contracts';
import { alignFeatures, featureSize, type Dataset } from '../dataset-format';
import { tokenCounts } from '../ingest/tokenize';

export interface DriftReport {
  /** The reference dataset's name and row count. */
  reference: { name: string; rows: number };
  /** Population stability index per feature, largest first (at most 20 listed). */
  features: { feature: string; psi: number }[];
  maxPsi: number;
  /** Total variation distance between the label distributions (0: same, 1: disjoint). */
  labelShift: number;
  /** Per class: share in the reference and now. */
  labels: { label: string; reference: number; current: number }[];
}

const BINS = 10;
const EPS = 1e-4;
const WIDE = 256;

/**
 * Drift of `current` against `reference` (the data the current model learned from). Tables are compared
 * column by column; images and long vectors by per-row summaries (mean and spread of the values), since a
 * PSI per pixel mostly measures noise.
 */
export function measureDrift(current: Dataset, given: Dataset): DriftReport {
  // Tables are compared by column name (a column one side lacks reads 0 there: a gap indicator, a category).
  const reference = current.featureNames && given.featureNames ? alignFeatures(given, current.featureNames) : given;
  const size = featureSize(current.featureShape);
  if (size !== featureSize(reference.featureShape)) {
    throw new InputError(
      ErrorType.DatasetValidation,
      `drift check: reference ${reference.name} has ${featureSize(reference.featureShape)} features per row, this dataset ${size}`,
    );
  }
  const text = current.tableSchema?.text;
  const columns = text ? textLengths(current, size) : size <= WIDE ? perFeature(current, size) : summaries(current, size);
  const refColumns = text ? textLengths(reference, size) : size <= WIDE ? perFeature(reference, size) : summaries(reference, size);
  const features = [...columns.keys()].map((feature) => ({ feature, psi: psi(refColumns.get(feature) as Float64Array, columns.get(feature) as Float64Array) }));
  if (text) features.push({ feature: 'text vocabulary', psi: vocabularyShift(reference, current) });
  features.sort((a, b) => b.psi - a.psi);
  const classes = [...new Set([...current.classes, ...reference.classes, ...current.labels, ...reference.labels])].sort();
  const share = (d: Dataset) => {
    const counts = new Map<string, number>();
    for (const l of d.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    return (c: string) => (counts.get(c) ?? 0) / Math.max(1, d.labels.length);
  };
  const cur = share(current);
  const ref = share(reference);
  const labels = classes.map((label) => ({ label, reference: ref(label), current: cur(label) }));
  return {
    reference: { name: reference.name, rows: reference.labels.length },
    features: features.slice(0, 20),
    maxPsi: features[0]?.psi ?? 0,
    labelShift: labels.reduce((s, l) => s + Math.abs(l.reference - l.current), 0) / 2,
    labels,
  };
}

/** PSI over the reference's decile bins: sum of (p - q) ln(p / q). */
export function psi(reference: Float64Array, current: Float64Array): number {
  const sorted = Float64Array.from(reference).sort();
  const edges = [...new Set(Array.from({ length: BINS - 1 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / BINS)] as number))];
  const histogram = (values: Float64Array) => {
    const counts = new Float64Array(edges.length + 1);
    for (const v of values) {
      let b = 0;
      while (b < edges.length && v > (edges[b] as number)) b++;
      counts[b] = (counts[b] as number) + 1;
    }
    return counts.map((c) => Math.max(c / Math.max(1, values.length), EPS));
  };
  const p = histogram(reference);
  const q = histogram(current);
  let total = 0;
  for (let b = 0; b < p.length; b++) total += ((q[b] as number) - (p[b] as number)) * Math.log((q[b] as number) / (p[b] as number));
  return total;
}

function perFeature(d: Dataset, size: number): Map<string, Float64Array> {
  const rows = d.labels.length;
  const out = new Map<string, Float64Array>();
  for (let f = 0; f < size; f++) {
    const col = new Float64Array(rows);
    for (let r = 0; r < rows; r++) col[r] = d.features[r * size + f] as number;
    out.set(d.featureNames?.[f] ?? `feature_${f}`, col);
  }
  return out;
}

function summaries(d: Dataset, size: number): Map<string, Float64Array> {
  const rows = d.labels.length;
  const mean = new Float64Array(rows);
  const spread = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    let s2 = 0;
    for (let f = 0; f < size; f++) {
      const v = d.features[r * size + f] as number;
      s += v;
      s2 += v * v;
    }
    mean[r] = s / size;
    spread[r] = Math.sqrt(Math.max(0, s2 / size - (s / size) ** 2));
  }
  return new Map([
    ['row_mean', mean],
    ['row_std', spread],
  ]);
}

/** A text's token count: one column for the PSI. */
function textLengths(d: Dataset, maxTokens: number): Map<string, Float64Array> {
  return new Map([['text length', tokenCounts(d.features, d.labels.length, maxTokens)]]);
}

/** PSI between the token shares of the reference's 100 most frequent ids (the rest as one bucket) in both. */
function vocabularyShift(reference: Dataset, current: Dataset): number {
  const counts = (d: Dataset) => {
    const c = new Map<number, number>();
    for (const id of d.features) if (id !== 0) c.set(id, (c.get(id) ?? 0) + 1);
    return c;
  };
  const [ref, cur] = [counts(reference), counts(current)];
  const top = [...ref.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 100)
    .map(([id]) => id);
  const shares = (c: Map<number, number>) => {
    const total = Math.max(
      1,
      [...c.values()].reduce((a, b) => a + b, 0),
    );
    const listed = top.map((id) => (c.get(id) ?? 0) / total);
    return [...listed, Math.max(0, 1 - listed.reduce((a, b) => a + b, 0))].map((s) => Math.max(s, EPS));
  };
  const [p, q] = [shares(ref), shares(cur)];
  return p.reduce((total, pb, b) => total + ((q[b] as number) - pb) * Math.log((q[b] as number) / pb), 0);
}

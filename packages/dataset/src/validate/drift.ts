import { ErrorType, InputError } from '@anneal/contracts';
import { alignFeatures, descriptorOf, featureSize, type Dataset } from '../dataset-format';
import { groupOffsets, type FeatureDescriptor } from '../features/descriptor';
import { ENCODERS, type DriftEntry, type GroupBlock } from '../features/encoders';

export { psi } from './psi';

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

/**
 * Drift of `current` against `reference` (the data the current model learned from), feature group by group, each
 * as its encoder compares it (features/encoders.ts): a number by PSI over deciles, a category column by its
 * category frequencies, a missing indicator by the share missing, a text by its length and vocabulary, images and
 * long vectors by per-row summaries (mean and spread), since a PSI per pixel mostly measures noise.
 */
export function measureDrift(current: Dataset, given: Dataset): DriftReport {
  // Tables are compared by column name (a column one side lacks reads 0 there: a gap indicator, a category).
  const reference = current.featureNames && given.featureNames ? alignFeatures(given, current) : given;
  const size = featureSize(current.featureShape);
  if (size !== featureSize(reference.featureShape)) {
    throw new InputError(
      ErrorType.DatasetValidation,
      `drift check: reference ${reference.name} has ${featureSize(reference.featureShape)} features per row, this dataset ${size}`,
    );
  }
  const features = groupDrift(reference, current);
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

function groupDrift(reference: Dataset, current: Dataset): DriftEntry[] {
  const descriptor = descriptorOf(current);
  const [ref, cur] = [groupBlocks(reference, descriptor), groupBlocks(current, descriptor)];
  return descriptor.flatMap((g, i) => ENCODERS[g.encoder].drift(ref[i] as GroupBlock, cur[i] as GroupBlock));
}

/** Each group's values as their own row-major block (with the slot names of a table). */
function groupBlocks(d: Dataset, descriptor: FeatureDescriptor): GroupBlock[] {
  const size = featureSize(d.featureShape);
  const rows = d.labels.length;
  const offsets = groupOffsets(descriptor);
  return descriptor.map((group, i) => {
    const start = offsets[i] as number;
    if (group.width === size) return { group, values: d.features, ...(d.featureNames ? { names: d.featureNames } : {}) };
    const values = new Float32Array(rows * group.width);
    for (let r = 0; r < rows; r++) values.set(d.features.subarray(r * size + start, r * size + start + group.width), r * group.width);
    return { group, values, ...(d.featureNames ? { names: d.featureNames.slice(start, start + group.width) } : {}) };
  });
}

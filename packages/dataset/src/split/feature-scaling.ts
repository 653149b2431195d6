import type { FeatureScaling } from '@anneal/contracts';
import { descriptorOf, type Dataset } from '../dataset-format';
import { groupOffsets, type FeatureDescriptor } from '../features/descriptor';
import { ENCODERS } from '../features/encoders';

/** Above this many features a table is left unscaled (the scaling travels in workflow payloads). */
const MAX_SCALED_FEATURES = 4096;

/**
 * A table's preprocessing from its training split, for the model to apply to raw rows: each number with a missing
 * indicator is filled with its training mean where missing, then every feature is standardized with the mean and
 * standard deviation of the (filled) training rows. Fitted on training rows only, so validation and test never leak
 * into it. A constant feature gets std 1 (it is only centred). Only rows whose every feature group is tabular (its
 * encoder says so) are scaled: token ids are not quantities, and image models have their own input contract.
 */
export function fitScaling(train: Dataset): FeatureScaling | undefined {
  const [d] = train.featureShape;
  const descriptor = descriptorOf(train);
  if (!descriptor.every((g) => ENCODERS[g.encoder].tabular) || train.featureShape.length !== 1 || d === undefined || d > MAX_SCALED_FEATURES) return undefined;
  const n = train.labels.length;
  if (n === 0) return undefined;
  const impute = fitImputation(train, descriptor);
  const filled = impute.length > 0 ? applyImputation(train.features, d, impute) : train.features;
  const sum = new Float64Array(d);
  const squares = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < d; f++) {
      const v = filled[r * d + f] as number;
      sum[f] = (sum[f] as number) + v;
      squares[f] = (squares[f] as number) + v * v;
    }
  }
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(squares, (q, f) => {
    const variance = q / n - (mean[f] as number) ** 2;
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return { mean, std, ...(impute.length > 0 ? { impute } : {}) };
}

type Imputation = NonNullable<FeatureScaling['impute']>;

/** The training mean of each number that has a missing indicator, over the training rows where it is present. */
function fitImputation(train: Dataset, descriptor: FeatureDescriptor): Imputation {
  const d = train.featureShape[0] as number;
  const n = train.labels.length;
  const offsets = groupOffsets(descriptor);
  const numberAt = new Map(descriptor.flatMap((g, i) => (g.encoder === 'number' ? [[g.name, offsets[i] as number] as const] : [])));
  return descriptor.flatMap((g, i) => {
    const value = numberAt.get(g.name);
    if (g.encoder !== 'missing' || value === undefined) return [];
    const indicator = offsets[i] as number;
    let sum = 0;
    let count = 0;
    for (let r = 0; r < n; r++) {
      if (train.features[r * d + indicator] !== 0) continue;
      sum += train.features[r * d + value] as number;
      count++;
    }
    return [{ value, indicator, fill: count > 0 ? sum / count : 0 }];
  });
}

/** Rows with their gaps filled (what the model's impute layer does). */
export function applyImputation(features: Float32Array, d: number, impute: Imputation): Float32Array {
  const out = features.slice();
  for (let r = 0; r < out.length / d; r++) {
    for (const { value, indicator, fill } of impute) if (out[r * d + indicator] === 1) out[r * d + value] = fill;
  }
  return out;
}

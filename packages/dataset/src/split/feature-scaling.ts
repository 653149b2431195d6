import type { FeatureScaling } from '@anneal/contracts';
import type { Dataset } from '../dataset-format';

/** Above this many features a table is left unscaled (the scaling travels in workflow payloads). */
const MAX_SCALED_FEATURES = 4096;

/**
 * Per-feature mean and standard deviation of a table's training split, for the model to standardize its input with:
 * fitted on training rows only, so validation and test never leak into it. A constant feature gets std 1 (it is
 * only centred). Images and other non-tabular rows are not scaled: their models have their own input contract.
 */
export function fitScaling(train: Dataset): FeatureScaling | undefined {
  const [d] = train.featureShape;
  if (!train.featureNames || train.featureShape.length !== 1 || d === undefined || d > MAX_SCALED_FEATURES) return undefined;
  const n = train.labels.length;
  if (n === 0) return undefined;
  const sum = new Float64Array(d);
  const squares = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < d; f++) {
      const v = train.features[r * d + f] as number;
      sum[f] = (sum[f] as number) + v;
      squares[f] = (squares[f] as number) + v * v;
    }
  }
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(squares, (q, f) => {
    const variance = q / n - (mean[f] as number) ** 2;
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return { mean, std };
}

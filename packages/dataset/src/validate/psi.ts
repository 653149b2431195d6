import { tokenCounts } from '../ingest/tokenize';

const BINS = 10;
const EPS = 1e-4;

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
    return Array.from(counts, (c) => c / Math.max(1, values.length));
  };
  return sharesPsi(histogram(reference), histogram(current));
}

/** PSI between two distributions over the same buckets (shares floored, so an empty bucket does not divide by 0). */
export function sharesPsi(reference: readonly number[], current: readonly number[]): number {
  let total = 0;
  reference.forEach((share, b) => {
    const p = Math.max(share, EPS);
    const q = Math.max(current[b] ?? 0, EPS);
    total += (q - p) * Math.log(q / p);
  });
  return total;
}

/** One column of a row-major block of `width` values per row. */
export function column(values: Float32Array, width: number, at: number): Float64Array {
  const rows = values.length / width;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = values[r * width + at] as number;
  return out;
}

/** Per row, the mean and spread of its values: what a wide block (an image) is compared by. */
export function rowSummaries(values: Float32Array, width: number): { mean: Float64Array; spread: Float64Array } {
  const rows = values.length / width;
  const mean = new Float64Array(rows);
  const spread = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    let s2 = 0;
    for (let f = 0; f < width; f++) {
      const v = values[r * width + f] as number;
      s += v;
      s2 += v * v;
    }
    mean[r] = s / width;
    spread[r] = Math.sqrt(Math.max(0, s2 / width - (s / width) ** 2));
  }
  return { mean, spread };
}

/**
 * The share of rows in each slot of an indicator block (one-hot or hashed columns), plus a last bucket for rows
 * with none set (a missing category): the column's category frequencies.
 */
export function slotShares(values: Float32Array, width: number): number[] {
  const rows = values.length / width;
  const counts = new Array<number>(width + 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let set = width;
    for (let f = 0; f < width; f++) if (values[r * width + f] !== 0) set = f;
    counts[set] = (counts[set] as number) + 1;
  }
  return counts.map((c) => c / Math.max(1, rows));
}

/** A text's token count per row. */
export function textLengths(values: Float32Array, maxTokens: number): Float64Array {
  return tokenCounts(values, values.length / maxTokens, maxTokens);
}

/** PSI between the token shares of the reference's 100 most frequent ids (the rest as one bucket) in both. */
export function vocabularyShift(reference: Float32Array, current: Float32Array): number {
  const counts = (ids: Float32Array) => {
    const c = new Map<number, number>();
    for (const id of ids) if (id !== 0) c.set(id, (c.get(id) ?? 0) + 1);
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
    return [...listed, Math.max(0, 1 - listed.reduce((a, b) => a + b, 0))];
  };
  return sharesPsi(shares(ref), shares(cur));
}

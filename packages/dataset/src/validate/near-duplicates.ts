import { DuplicateFinder, RowHashes } from '../ingest/row-hash';

/**
 * Near-duplicate texts: pairs of rows whose word 3-grams (shingles) overlap by at least `threshold` (Jaccard), found
 * with MinHash signatures and locality-sensitive hashing (Broder 1997; Leskovec, Rajaraman and Ullman, "Mining of
 * Massive Datasets", ch. 3) instead of comparing every pair, then confirmed by the exact Jaccard of the two shingle
 * sets. Texts with the same tokens are exact duplicates, counted by the duplicate check, and left out here.
 */
export interface NearDuplicatePair {
  /** Row indices, `a` < `b`. */
  a: number;
  b: number;
  similarity: number;
}

export interface NearDuplicates {
  /** Confirmed pairs, most similar first (at most `maxPairs`). */
  pairs: NearDuplicatePair[];
  /** All confirmed pairs (`pairs` may list fewer). */
  count: number;
  /** Rows in at least one pair. */
  rows: number;
  threshold: number;
}

const HASHES = 64;
/** 16 bands of 4: a pair with Jaccard s becomes a candidate with probability 1 - (1 - s^4)^16 (0.9: 1.0; 0.5: 0.64). */
const BAND_ROWS = 4;
const SHINGLE = 3;

/**
 * Near-duplicates among `rows` token-id rows of `width` ids each (0 pads). A text shorter than a shingle is
 * compared by its tokens.
 */
export function findNearDuplicates(
  ids: Float32Array,
  o: { rows: number; width: number; threshold?: number; maxPairs?: number; hashes?: RowHashes },
): NearDuplicates {
  const threshold = o.threshold ?? 0.9;
  const row = (r: number) => ids.subarray(r * o.width, (r + 1) * o.width);
  const shingles = Array.from({ length: o.rows }, (_, r) => shingleSet(row(r)));
  // An exact copy of an earlier text is the duplicate check's: only the first of each is compared here, found by the
  // same row hashes that check uses (the reader's own, when it passes them).
  let hashes = o.hashes;
  if (!hashes) {
    hashes = new RowHashes();
    for (let r = 0; r < o.rows; r++) hashes.add(row(r));
  }
  const copies = new DuplicateFinder(hashes);
  const copy = (r: number) => copies.firstEqual(r) >= 0;
  const seeds = Array.from({ length: HASHES }, (_, i) => mix32(0x9e3779b9 ^ (i * 0x85ebca6b)));
  const buckets = new Map<string, number[]>();
  shingles.forEach((set, r) => {
    if (set.size === 0 || copy(r)) return;
    const signature = seeds.map((seed) => {
      let min = 0xffffffff;
      for (const s of set) min = Math.min(min, mix32(s ^ seed));
      return min;
    });
    for (let band = 0; band < HASHES / BAND_ROWS; band++) {
      const key = `${band}:${signature.slice(band * BAND_ROWS, (band + 1) * BAND_ROWS).join(',')}`;
      const bucket = buckets.get(key);
      if (bucket) bucket.push(r);
      else buckets.set(key, [r]);
    }
  });
  const seen = new Set<string>();
  const found: NearDuplicatePair[] = [];
  for (const bucket of buckets.values()) {
    for (let i = 0; i < bucket.length; i++) {
      for (let j = i + 1; j < bucket.length; j++) {
        const [a, b] = [bucket[i] as number, bucket[j] as number];
        const key = `${a},${b}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const similarity = jaccard(shingles[a] as Set<number>, shingles[b] as Set<number>);
        if (similarity >= threshold) found.push({ a, b, similarity });
      }
    }
  }
  found.sort((x, y) => y.similarity - x.similarity || x.a - y.a || x.b - y.b);
  const rows = new Set(found.flatMap((p) => [p.a, p.b])).size;
  return { pairs: found.slice(0, o.maxPairs ?? 20), count: found.length, rows, threshold };
}

/** The hashes of a row's word 3-grams (its tokens when it has fewer than three). */
function shingleSet(row: Float32Array): Set<number> {
  let n = 0;
  while (n < row.length && row[n] !== 0) n++;
  const set = new Set<number>();
  if (n < SHINGLE) {
    for (let i = 0; i < n; i++) set.add(mix32(row[i] as number));
    return set;
  }
  for (let i = 0; i + SHINGLE <= n; i++) {
    let h = 0x811c9dc5;
    for (let k = 0; k < SHINGLE; k++) h = mix32(h ^ (row[i + k] as number));
    set.add(h);
  }
  return set;
}

function jaccard(a: Set<number>, b: Set<number>): number {
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return both / (a.size + b.size - both);
}

/** A 32-bit integer mix (murmur3's finalizer): spreads ids and seeds over the whole range. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

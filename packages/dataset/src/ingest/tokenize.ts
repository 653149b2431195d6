import { TEXT_BUCKETS } from '@anneal/contracts';

// Words and numbers in any script; everything else separates them.
const TOKEN = /[\p{L}\p{M}]+|\p{N}+/gu;

/**
 * A text's token ids: lower-cased words and numbers, each hashed (FNV-1a, 32 bit) into 2 .. TEXT_BUCKETS - 1, cut to
 * `maxTokens`, padded with 0. Hashing needs no vocabulary fitted on any split, so nothing leaks and nothing has to
 * travel with the model but the bucket count; the price is that two rare words may share an id.
 */
export function tokenIds(text: string, maxTokens: number, out: Float32Array, offset = 0): { tokens: number } {
  out.fill(0, offset, offset + maxTokens);
  let n = 0;
  for (const match of text.toLowerCase().matchAll(TOKEN)) {
    if (n < maxTokens) out[offset + n] = tokenBucket(match[0]);
    n++;
  }
  return { tokens: n };
}

/** The id a token (lower-cased, as `textTokens` gives it) hashes to: what a pre-trained word's vector is filed under. */
export function tokenBucket(token: string): number {
  return 2 + (fnv1a(token) % (TEXT_BUCKETS - 2));
}

/** A text's tokens as `tokenIds` sees them: lower-cased words and numbers. */
export function textTokens(text: string): string[] {
  return [...text.toLowerCase().matchAll(TOKEN)].map((m) => m[0]);
}

/** FNV-1a, 32 bit: the hash of token ids and of hashed category columns. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Each row's token count (its ids before the padding), from rows of `maxTokens` ids. */
export function tokenCounts(features: Float32Array, rows: number, maxTokens: number): Float64Array {
  const counts = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    while (n < maxTokens && features[r * maxTokens + n] !== 0) n++;
    counts[r] = n;
  }
  return counts;
}

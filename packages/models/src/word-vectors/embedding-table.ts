import { createRng, TEXT_BUCKETS } from '@anneal/contracts';
import { textTokens, tokenBucket } from '@anneal/dataset';
import type { WordVectors } from './word-vector-packages';

export interface EmbeddingTable {
  /** TEXT_BUCKETS rows of `dimensions` values: the start of the text model's embedding. */
  weights: Float32Array;
  dimensions: number;
  /** Token ids that start from a pre-trained vector (the others start small and random, as from scratch). */
  bucketsFilled: number;
  /** Words of the package that are one token as Anneal tokenizes text (others, such as punctuation, are left out). */
  wordsUsable: number;
}

/**
 * The embedding table for Anneal's hashed token ids from a package's word vectors. Words come most frequent first,
 * and the first to claim an id keeps it: a rarer word that hashes to the same id is read as that more frequent word
 * anyway. Ids no word reaches start small and random (seeded), as a from-scratch embedding does; 0 pads and stays 0.
 */
export function embeddingTable(vectors: WordVectors, seed: number): EmbeddingTable {
  const dims = vectors.dimensions;
  const weights = new Float32Array(TEXT_BUCKETS * dims);
  const rng = createRng(seed);
  for (let i = 2 * dims; i < weights.length; i++) weights[i] = (rng() - 0.5) * 0.1;
  const filled = new Uint8Array(TEXT_BUCKETS);
  let bucketsFilled = 0;
  let wordsUsable = 0;
  for (const word of vectors.words) {
    const tokens = textTokens(word);
    if (tokens.length !== 1 || tokens[0] !== word.toLowerCase()) continue;
    wordsUsable++;
    const id = tokenBucket(tokens[0]);
    if (filled[id]) continue;
    filled[id] = 1;
    bucketsFilled++;
    weights.set(Array.from(vectors.vectorOf(word)), id * dims);
  }
  return { weights, dimensions: dims, bucketsFilled, wordsUsable };
}

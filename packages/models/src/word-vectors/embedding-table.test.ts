import { TEXT_BUCKETS } from '@anneal/contracts';
import { tokenBucket } from '@anneal/dataset';
import { embeddingTable } from './embedding-table';

const vectors = (words: Record<string, number[]>) => ({ dimensions: 2, words: Object.keys(words), vectorOf: (w: string) => words[w] as number[] });
const row = (t: { weights: Float32Array }, id: number) => Array.from(t.weights.subarray(id * 2, id * 2 + 2));

it("files each word's vector under the token id Anneal's tokenizer gives it; padding stays zero, the rest start small", () => {
  const table = embeddingTable(vectors({ the: [1, 2], Cat: [3, 4], ',': [5, 6], "don't": [7, 8] }), 1);
  expect(table.weights).toHaveLength(TEXT_BUCKETS * 2);
  expect(row(table, tokenBucket('the'))).toEqual([1, 2]);
  // Upper case is read lower-cased, as the tokenizer reads text; punctuation and words it splits are no token.
  expect(row(table, tokenBucket('cat'))).toEqual([3, 4]);
  expect([table.wordsUsable, table.bucketsFilled]).toEqual([2, 2]);
  expect(row(table, 0)).toEqual([0, 0]);
  const others = Array.from(table.weights).filter((_, i) => ![0, 1, tokenBucket('the'), tokenBucket('cat')].includes(Math.floor(i / 2)));
  expect(Math.max(...others.map(Math.abs))).toBeLessThanOrEqual(0.05);
  expect(new Set(others).size).toBeGreaterThan(others.length / 2);
});

it('where two words hash to one id, the more frequent (listed first) keeps it', () => {
  // A made-up word of letters only (a whole token) that collides with 'the'.
  const word = (i: number) => [...i.toString(26)].map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
  const collide = Array.from({ length: 500_000 }, (_, i) => word(i)).find((w) => w !== 'the' && tokenBucket(w) === tokenBucket('the'))!;
  expect(collide).toBeDefined();
  const table = embeddingTable(vectors({ the: [1, 2], [collide]: [9, 9] }), 1);
  expect(row(table, tokenBucket('the'))).toEqual([1, 2]);
  expect([table.wordsUsable, table.bucketsFilled]).toEqual([2, 1]);
});

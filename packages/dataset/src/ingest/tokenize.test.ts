import { TEXT_BUCKETS } from '@anneal/contracts';
import { tokenIds } from './tokenize';

const ids = (text: string, max = 6) => {
  const out = new Float32Array(max);
  const { tokens } = tokenIds(text, max, out);
  return { ids: [...out], tokens };
};

it('hashes lower-cased words and numbers into 2 .. TEXT_BUCKETS - 1, pads with 0 and cuts at the cap', () => {
  const a = ids('Free MONEY, free money!! Call 0800 now');
  expect(a.tokens).toBe(7);
  expect(a.ids).toHaveLength(6);
  // The same word is the same id whatever its case; punctuation separates words.
  expect(a.ids[0]).toBe(a.ids[2]);
  expect(a.ids[1]).toBe(a.ids[3]);
  a.ids.forEach((id) => expect(id >= 2 && id < TEXT_BUCKETS).toBe(true));
  expect(ids('héllo wörld').ids.slice(2)).toEqual([0, 0, 0, 0]);
  expect(ids('héllo wörld').tokens).toBe(2);
  expect(ids('').ids).toEqual([0, 0, 0, 0, 0, 0]);
  expect(ids('--- !!!').tokens).toBe(0);
});

it('gives a text the same ids every time (nothing is fitted on any split)', () => {
  expect(ids('the quick brown fox').ids).toEqual(ids('The quick, brown fox.').ids);
});

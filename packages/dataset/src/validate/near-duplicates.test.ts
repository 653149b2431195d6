import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DatasetSpec, ValidationPolicy } from '@anneal/contracts';
import { dataRoot } from '../../test/dataset-fixtures';
import { readSource } from '../ingest/read-source';
import { tokenIds } from '../ingest/tokenize';
import { findNearDuplicates } from './near-duplicates';
import { validateDataset } from './validate-dataset';

const WIDTH = 128;
/** 100 distinct words of letters (the tokenizer splits letters from digits): 98 word 3-grams. */
const words = (seed: string) => Array.from({ length: 100 }, (_, i) => `${seed}${String.fromCharCode(97 + Math.floor(i / 26), 97 + (i % 26))}`);
const rows = (texts: string[]) => {
  const ids = new Float32Array(texts.length * WIDTH);
  texts.forEach((t, r) => tokenIds(t, WIDTH, ids, r * WIDTH));
  return ids;
};

it('pairs texts that share most of their word 3-grams, and leaves exact copies, unrelated and empty texts alone', () => {
  const base = words('w');
  const edited = [...base];
  edited[50] = 'changed';
  const texts = [base.join(' '), words('other').join(' '), edited.join(' '), base.join(' '), '', ''];
  const found = findNearDuplicates(rows(texts), { rows: texts.length, width: WIDTH });
  // One word changed in the middle touches 3 of 98 3-grams: 95 shared of 101 in all.
  expect(found.pairs).toEqual([{ a: 0, b: 2, similarity: 95 / 101 }]);
  expect(found).toMatchObject({ count: 1, rows: 2, threshold: 0.9 });
  // Half the words changed: far below the threshold.
  const half = base.map((w, i) => (i % 2 === 0 ? w : `${w}x`)).join(' ');
  expect(findNearDuplicates(rows([base.join(' '), half]), { rows: 2, width: WIDTH }).count).toBe(0);
});

it("names a text table's near-duplicates in the validation report by file and line", async () => {
  const { root, write } = dataRoot();
  const base = words('w');
  const edited = [...base.slice(0, 99), 'different'];
  const lines = [base, words('a'), edited, words('b')].map((w, i) => JSON.stringify({ text: w.join(' '), label: i % 2 === 0 ? 'x' : 'y' }));
  write('mail.jsonl', `${lines.join('\n')}\n`);
  const spec = DatasetSpec.parse({
    name: 'mail',
    source: { kind: 'file', path: join(root, 'mail.jsonl') },
    schema: {
      columns: [
        { name: 'text', type: 'string' },
        { name: 'label', type: 'category' },
      ],
      text: { column: 'text', maxTokens: WIDTH },
    },
  });
  const read = await readSource({ spec, dataRoots: [root], downloadDir: join(tmpdir(), 'anneal-test-downloads'), keepFeatures: true });
  expect(read.nearDuplicates?.examples).toEqual([{ at: `${join(root, 'mail.jsonl')}:3`, sameAs: `${join(root, 'mail.jsonl')}:1`, similarity: 97 / 99 }]);
  const report = validateDataset(read, { source: 'mail.jsonl', policy: ValidationPolicy.parse({}), minPerClass: 1 });
  const check = report.checks.find((c) => c.check === 'nearDuplicates');
  expect(check).toMatchObject({ status: 'warn', value: 1 });
  expect(check?.message).toMatch(/^1 near-duplicate text pair\(s\) among 2 rows .*mail\.jsonl:3 ~ .*mail\.jsonl:1 \(0\.98\)$/);
});

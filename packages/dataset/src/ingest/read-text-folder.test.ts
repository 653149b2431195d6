import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DatasetSpec, type DatasetSpecInput } from '@anneal/contracts';
import { dataRoot } from '../../test/dataset-fixtures';
import { readSource } from './read-source';

const { root, write } = dataRoot();
const read = (spec: DatasetSpecInput) =>
  readSource({ spec: DatasetSpec.parse(spec), dataRoots: [root], downloadDir: join(tmpdir(), 'anneal-test-downloads'), keepFeatures: true });
const folder = (name: string, extra: Partial<DatasetSpecInput> = {}): DatasetSpecInput => ({
  name: 'mail',
  source: { kind: 'file', path: join(root, name), format: 'text' },
  ...extra,
});

describe('a folder of .txt files per class (format text)', () => {
  it("reads each file as a row of its folder's class, tokenized like a text column, and says what it skipped", async () => {
    write('mail/ham/001.txt', 'lunch at noon tomorrow');
    write('mail/ham/002.txt', 'the minutes of the meeting are attached');
    write('mail/spam/001.txt', 'win a free prize now now now');
    write('mail/spam/readme.md', 'not a text of the dataset');
    write('mail/stray.txt', 'outside any class');
    const columns = [
      { name: 'file', type: 'string' as const },
      { name: 'label', type: 'category' as const },
      { name: 'text', type: 'string' as const },
    ];
    const r = await read(folder('mail', { schema: { columns, text: { column: 'text', maxTokens: 4 } } }));
    expect(r.dataset.labels).toEqual(['ham', 'ham', 'spam']);
    // Token ids, at most maxTokens per text (the longer ones truncated), padded with 0.
    expect(r.dataset.featureShape).toEqual([4]);
    expect(r.dataset.features.slice(0, 4).every((id) => id > 0)).toBe(true);
    expect(r.notices).toEqual([
      `1 file(s) directly in ${join(root, 'mail')} ignored (texts belong in a class folder)`,
      '1 other file(s) skipped (only .txt are read)',
      'columns not used as features: file',
      'text: 3 texts, tokens per text median 4, 90th percentile 4; 0 empty; 3 at the cap of 4 tokens (longer ones cut)',
    ]);
    expect(r.schema?.text).toEqual({ column: 'text', maxTokens: 4 });
  });

  it('names the file of an empty text, and the file and line of one that is not UTF-8', async () => {
    write('empty/a/1.txt', 'one text');
    write('empty/a/2.txt', '');
    write('empty/b/1.txt', 'another text');
    const r = await read(folder('empty'));
    expect(r.dataset.labels).toEqual(['a', 'b']);
    expect(r.rowStats.invalidRows).toBe(1);
    expect(r.rowStats.invalidExamples[0]).toMatchObject({ at: `${join(root, 'empty')}/a/2.txt`, field: 'text' });

    write('latin1/a/1.txt', Buffer.from('first line\ncaf\xe9\n', 'latin1'));
    write('latin1/b/1.txt', 'fine');
    await expect(read(folder('latin1'))).rejects.toThrow(`${join(root, 'latin1')}/a/1.txt: line 2: not valid UTF-8; save the file as UTF-8`);
  });

  it('a text folder needs format text and class folders', async () => {
    write('flat/1.txt', 'no class folder');
    await expect(read(folder('flat'))).rejects.toThrow('no class sub-folders; a folder of texts holds one folder per class');
    write('notes.txt', 'a file');
    await expect(read({ name: 'x', source: { kind: 'file', path: join(root, 'notes.txt'), format: 'text' } })).rejects.toThrow(
      'not a folder; format text wants one folder per class',
    );
  });
});

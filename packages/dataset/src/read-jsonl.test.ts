import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '@anneal/contracts';
import { readJsonl } from './read-jsonl';

const fixtures = join(__dirname, '..', 'test', 'fixtures');
const read = (file: string, dataRoots = [fixtures]) => readJsonl({ path: join(fixtures, file), dataRoots, name: 'x' });

async function sourceFailure(promise: Promise<unknown>): Promise<string> {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe(ErrorType.DatasetSource);
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  return (err as Error).message;
}

describe('readJsonl', () => {
  it('reads rows, skipping blank lines and turning numeric labels into strings', async () => {
    const d = await read('good.jsonl');
    expect(d.labels).toEqual(['a', '7']);
    expect([...d.features]).toEqual([1, 2, 3, 4]);
    expect(d.featureShape).toEqual([2]);
  });

  it.each([
    ['ragged.jsonl', 'ragged.jsonl:2: field "features" has 1 values, expected 2 (as on the first row)'],
    ['broken.jsonl', 'broken.jsonl:2: not valid JSON'],
    ['empty.jsonl', 'empty.jsonl: empty file, no rows'],
    ['not-number.jsonl', 'not-number.jsonl:1: field "features[1]": expected a finite number, found "x"'],
    ['no-label.jsonl', 'no-label.jsonl:1: field "label": expected a string or number, found undefined'],
    ['missing.jsonl', 'missing.jsonl: no such file'],
  ])('%s fails with a message naming the problem', async (file, message) => {
    expect(await sourceFailure(read(file))).toContain(message);
  });

  it('refuses paths outside the data roots, through ../ or a symlink', async () => {
    const root = mkdtempSync(join(tmpdir(), 'roots-'));
    expect(await sourceFailure(readJsonl({ path: join(root, '..', 'etc.jsonl'), dataRoots: [root], name: 'x' }))).toContain('no such file');
    expect(await sourceFailure(read('good.jsonl', [root]))).toContain('outside the data roots');
    symlinkSync(join(fixtures, 'good.jsonl'), join(root, 'link.jsonl'));
    expect(await sourceFailure(readJsonl({ path: join(root, 'link.jsonl'), dataRoots: [root], name: 'x' }))).toContain('outside the data roots');
  });
});

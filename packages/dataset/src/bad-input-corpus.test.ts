import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorType, TransientErrorType } from '@anneal/contracts';
import { csv, dataRoot, failure, httpServer, inspect, jpeg, png } from '../test/dataset-fixtures';

// Every malformed input ends in a typed error whose message names the problem; none crashes or hangs.
const SOURCE = ErrorType.DatasetSource;
const INVALID = ErrorType.DatasetValidation;
const { root, write } = dataRoot();
const roots = [root];
const file = (path: string, extra: object = {}) => ({ name: 'corpus', source: { kind: 'file' as const, path, ...extra } });
const check = (path: string, type: string, spec: object = {}) => failure(inspect({ ...file(path), ...spec }, roots), type);

describe('text tables', () => {
  it.each([
    ['empty.csv', '', SOURCE, 'empty.csv: empty file'],
    ['header-only.csv', 'label,f0,f1\n', SOURCE, 'header-only.csv: header only, no data rows'],
    ['semicolons.csv', 'label;f0;f1\na;1;2\nb;3;4\n', SOURCE, 'line 1: the header is one column "label;f0;f1"; it looks ";"-delimited'],
    ['ragged.csv', 'label,f0,f1\na,1,2\nb,3\n', INVALID, 'ragged.csv:3, field "(row)", expected 3 fields, as in the header, found 2 fields'],
    ['open-quote.csv', 'label,f0,f1\na,1,2\nb,"3,4\na,5,6\n', SOURCE, 'open-quote.csv: line 3: a quoted field is never closed'],
    ['after-quote.csv', 'label,f0,f1\na,1,2\nb,"3"x,4\n', SOURCE, 'a quoted field has text after its closing quote'],
    ['inf.csv', 'label,f0,f1\na,1,2\nb,-inf,4\n', INVALID, 'inf.csv:3, field "f0", expected a finite number or empty, found "-inf"'],
    ['infinity.csv', 'label,f0,f1\na,1.5,2\nb,Infinity,4\n', INVALID, 'infinity.csv:3, field "f0", expected a finite number or empty, found "Infinity"'],
    ['duplicate-header.csv', 'label,f0,f0\na,1,2\nb,3,4\n', SOURCE, 'line 1: column "f0" appears twice in the header'],
    ['no-label.csv', 'target,f0\na,1\nb,2\n', SOURCE, 'label column "label" is not in the schema\'s columns (target, f0)'],
    [
      'only-labels.csv',
      'label\na\nb\n',
      SOURCE,
      'no feature columns (numbers, or categories: one-hot up to 64 values, hashed above) besides the label "label"',
    ],
    ['data.parquet', 'PAR1', SOURCE, 'cannot tell the format from the extension ".parquet"'],
    ['not-json.jsonl', '{"f0": 1, "label": "a"}\n{"f0": 2, "label": \n', SOURCE, 'not-json.jsonl:2: not valid JSON'],
    ['array.jsonl', '[1, 2, "a"]\n', SOURCE, 'array.jsonl:1: expected a JSON object, found [1,2,"a"]'],
    [
      'ragged.jsonl',
      '{"features": [1, 2], "label": "a"}\n{"features": [1], "label": "b"}\n',
      INVALID,
      'ragged.jsonl:2, field "features", expected 2 values, as on the first row, found 1 values',
    ],
    [
      'string-feature.jsonl',
      '{"features": [1, 2], "label": "a"}\n{"features": [1, "x"], "label": "b"}\n',
      INVALID,
      'field "features[1]", expected a finite number, found "x"',
    ],
    [
      'no-label.jsonl',
      '{"features": [1, 2], "label": "a"}\n{"features": [3, 4]}\n',
      INVALID,
      'no-label.jsonl:2, field "label", expected a string or number, found nothing',
    ],
    ['empty.jsonl', '\n\n', SOURCE, 'empty.jsonl: empty file, no rows'],
  ])('%s', async (name, content, type, message) => {
    expect(await check(write(name, content), type)).toContain(message);
  });

  it('text-in-numbers.csv', async () => {
    const path = write('text-in-numbers.csv', `label,f0,f1\n${Array.from({ length: 5 }, (_, i) => `a,${i},1`).join('\n')}\nb,x,2\n`);
    // Inference makes f0 a category (one-hot: "x" is one of its values), so the declared schema is what catches it.
    const schema = {
      columns: [
        { name: 'label', type: 'category' },
        { name: 'f0', type: 'number' },
        { name: 'f1', type: 'number' },
      ],
    };
    expect(await check(path, INVALID, { schema })).toContain('text-in-numbers.csv:7, field "f0", expected a finite number (not empty), found "x"');
    const inferred = await inspect(file(path), roots);
    expect(inferred.notices.join()).not.toContain('columns not used');
    // f0: the six values it holds plus <other>; f1: a number without gaps.
    expect(inferred.featureShape).toEqual([8]);
  });

  it('invalid UTF-8 names its line', async () => {
    const path = write('latin1.csv', Buffer.concat([Buffer.from('label,f0\na,1\n'), Buffer.from([0x62, 0xe9, 0x2c, 0x32, 0x0a])]));
    expect(await check(path, SOURCE)).toContain('latin1.csv: line 3: not valid UTF-8');
  });

  it.each([
    [
      'out of range',
      { name: 'f0', type: 'number', min: 0, max: 1 },
      'a,0.5,1\nb,5,2\n',
      'field "f0", expected a finite number in [0, 1] (not empty), found "5"',
    ],
    ['empty where required', { name: 'f0', type: 'number' }, 'a,0.5,1\nb,,2\n', 'field "f0", expected a finite number (not empty), found empty'],
    ['not an integer', { name: 'f0', type: 'integer' }, 'a,1,1\nb,1.5,2\n', 'field "f0", expected an integer (not empty), found "1.5"'],
  ])('a declared schema catches a value %s', async (_, column, rows, message) => {
    const path = write(`schema-${column.type}-${rows.length}.csv`, `label,f0,f1\n${rows}`);
    const schema = { columns: [{ name: 'label', type: 'category' }, column, { name: 'f1', type: 'number' }] };
    expect(await check(path, INVALID, { schema })).toContain(message);
  });

  it('a category outside its allowed values', async () => {
    const path = write('colour.csv', 'label,colour,f0\na,red,1\nb,blue,2\n');
    const schema = {
      columns: [
        { name: 'label', type: 'category' },
        { name: 'colour', type: 'category', values: ['red', 'green'] },
        { name: 'f0', type: 'number' },
      ],
    };
    expect(await check(path, INVALID, { schema })).toContain('colour.csv:3, field "colour", expected one of red, green (not empty), found "blue"');
  });

  it('a feature column with no value in any row, and an empty text column', async () => {
    const path = write('empty-column.csv', 'label,f0,f1\na,1,NA\nb,2,\na,3,NA\n');
    expect(await check(path, INVALID)).toContain('emptyColumns: feature column(s) with no value in any row: f1 (3 of 3 missing)');
    const texts = write('empty-texts.csv', 'label,text\nham,\nspam,\n');
    const schema = {
      columns: [
        { name: 'label', type: 'category' },
        { name: 'text', type: 'string', nullable: true },
      ],
      text: { column: 'text', maxTokens: 8 },
    };
    expect(await check(texts, INVALID, { schema })).toContain('no value in any row: text (2 of 2 missing)');
  });

  it('a schema naming a column the file lacks', async () => {
    const path = write('short.csv', csv(4));
    const schema = {
      columns: [
        { name: 'label', type: 'category' },
        { name: 'f0', type: 'number' },
        { name: 'f9', type: 'number' },
      ],
    };
    expect(await check(path, SOURCE, { schema })).toBe('schema names column "f9", but ' + path + ' has columns: label, f0, f1');
  });

  it('a folder where a file is expected', async () => {
    write('folder.csv/x.csv', csv(2));
    expect(await check(join(root, 'folder.csv'), SOURCE, { source: { kind: 'file', path: join(root, 'folder.csv'), format: 'csv' } })).toContain(
      'a folder; formats images and text read folders',
    );
  });
});

describe('labels and rows', () => {
  it.each([
    ['unknown label', csv(6) + 'c,100,1\n', { classes: ['a', 'b'] }, 'unknownLabels: 1 row(s) have a label outside the task\'s classes ("c" x1); first: '],
    ['single class', 'label,f0\na,1\na,2\na,3\n', {}, 'classCount: 1 class(es) with examples; a classifier needs at least 2'],
    ['all duplicates', 'label,f0\na,1\na,1\na,1\nb,1\n', {}, 'allDuplicates: 1 distinct input(s) among 4 rows'],
    ['class below minimum', csv(6) + 'c,100,1\n', { minPerClass: 2 }, 'minPerClass: class(es) below minPerClass 2: c (1)'],
  ])('%s', async (name, content, spec, message) => {
    expect(await check(write(`${name.replace(/ /g, '-')}.csv`, content), INVALID, spec)).toContain(message);
  });
});

describe('image folders', () => {
  const image = { width: 8, height: 8, channels: 1 as const };
  const folder = async (name: string, files: Record<string, Buffer | string>) => {
    for (const [path, bytes] of Object.entries(files)) write(`${name}/${path}`, bytes);
    return join(root, name);
  };

  it('a truncated PNG names the file', async () => {
    const good = await png({ width: 8, height: 8 });
    const path = await folder('truncated', { 'a/1.png': good, 'b/2.png': good.subarray(0, good.length - 20) });
    expect(await check(path, SOURCE, { image })).toMatch(/truncated\/b\/2\.png: cannot decode PNG \(truncated or corrupt/);
  });

  it('a JPEG named .png is decoded by content and flagged (fileFormat: fail here)', async () => {
    const path = await folder('mislabelled', { 'a/1.png': await png({ width: 8, height: 8 }), 'b/2.png': await jpeg({ width: 8, height: 8 }) });
    const message = await check(path, INVALID, { image, validation: { checks: { fileFormat: 'fail' } } });
    expect(message).toContain('fileFormat: 1 image(s) whose content differs from their extension; first: ');
    expect(message).toContain('mislabelled/b/2.png is a JPEG');
  });

  it.each([
    ['wrong size', { width: 10, height: 12 }, 'expected 8x8 with 1 channel(s), found 10x12 with 1'],
    ['wrong channel count', { width: 8, height: 8, channels: 3 as const }, 'expected 8x8 with 1 channel(s), found 8x8 with 3'],
  ])('%s with resize off', async (name, odd, message) => {
    const path = await folder(name.replace(/ /g, '-'), { 'a/1.png': await png({ width: 8, height: 8 }), 'b/2.png': await png(odd) });
    expect(await check(path, SOURCE, { image: { ...image, resize: false } })).toContain(message);
  });

  it('a folder with no class sub-folders', async () => {
    const path = await folder('flat', { '1.png': await png({ width: 8, height: 8 }) });
    expect(await check(path, SOURCE, { image })).toContain('flat: no class sub-folders');
  });

  it('class folders with no images', async () => {
    const path = await folder('notes', { 'a/readme.txt': 'x', 'b/x.gif': 'GIF89a' });
    expect(await check(path, SOURCE, { image })).toContain('class folders hold no .png or .jpg or .jpeg files');
  });

  it('an image folder without an image size', async () => {
    const path = await folder('unsized', { 'a/1.png': await png({ width: 8, height: 8 }) });
    expect(await check(path, SOURCE)).toContain('an image folder needs dataset.image');
  });

  it('a file that is no image at all', async () => {
    const path = await folder('text-as-png', { 'a/1.png': await png({ width: 8, height: 8 }), 'b/2.png': 'hello' });
    expect(await check(path, SOURCE, { image })).toContain('text-as-png/b/2.png: not a PNG or JPEG image');
  });
});

describe('paths and URLs', () => {
  const outside = dataRoot();

  it('a path outside the data roots', async () => {
    const path = outside.write('secret.csv', csv(4));
    expect(await check(path, SOURCE)).toContain('secret.csv: outside the data roots');
  });

  it('a ../ escape', async () => {
    outside.write('escape.csv', csv(4));
    expect(await check(join(root, '..', outside.root.split('/').pop() as string, 'escape.csv'), SOURCE)).toContain('outside the data roots');
  });

  it('a symlink out of the data roots', async () => {
    const target = outside.write('target.csv', csv(4));
    symlinkSync(target, join(root, 'link.csv'));
    expect(await check(join(root, 'link.csv'), SOURCE)).toMatch(/link\.csv: outside the data roots .*\(it resolves to .*target\.csv\)/);
  });

  it('a missing file', async () => {
    expect(await check(join(root, 'nope.csv'), SOURCE)).toContain('nope.csv: no such file or folder');
  });

  const url = (u: string, extra: object = {}) => ({ name: 'corpus', source: { kind: 'url' as const, url: u, retries: 1, timeoutMs: 300, ...extra } });

  it('a URL answering 404, without retrying', async () => {
    let hits = 0;
    const server = await httpServer((_, res) => ((hits += 1), res.writeHead(404).end('gone')));
    try {
      expect(await failure(inspect(url(`${server.url}/data.csv`), roots), SOURCE)).toBe(`${server.url}/data.csv: HTTP 404 Not Found`);
      expect(hits).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('a URL that stalls mid-body is retried, then reported as unavailable', async () => {
    let hits = 0;
    const server = await httpServer((_, res) => {
      hits += 1;
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('label,f0\na,1\n');
    });
    try {
      const message = await failure(inspect(url(`${server.url}/slow.csv`), roots), TransientErrorType.DatasetUnavailable);
      expect(message).toMatch(/slow\.csv: stalled: no bytes for 300 ms after 13 bytes \(after 2 attempt\(s\)\)/);
      expect(hits).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('a URL answering 503 every time', async () => {
    const server = await httpServer((_, res) => res.writeHead(503).end());
    try {
      expect(await failure(inspect(url(`${server.url}/busy.csv`), roots), TransientErrorType.DatasetUnavailable)).toContain(
        'HTTP 503 Service Unavailable (after 2 attempt(s))',
      );
    } finally {
      await server.close();
    }
  });

  it.each([
    ['declared', true, '100 bytes, over the size cap of 64 bytes'],
    ['streamed', false, 'more than 64 bytes, over the size cap'],
  ])('a file over the size cap (%s length)', async (_, declared, message) => {
    const body = csv(20).slice(0, 100);
    const server = await httpServer((__, res) => {
      res.writeHead(200, declared ? { 'content-length': String(body.length) } : {});
      res.end(body);
    });
    try {
      expect(await failure(inspect(url(`${server.url}/big.csv`, { maxBytes: 64 }), roots), SOURCE)).toContain(message);
    } finally {
      await server.close();
    }
  });
});

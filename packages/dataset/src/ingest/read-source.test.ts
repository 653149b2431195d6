import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DatasetSpec, type DatasetSpecInput } from '@anneal/contracts';
import { csv, dataRoot, inspect, jpeg, png } from '../../test/dataset-fixtures';
import { readSource } from './read-source';

const { root, write } = dataRoot();
const read = (spec: DatasetSpecInput, keepFeatures = true) =>
  readSource({ spec: DatasetSpec.parse(spec), dataRoots: [root], downloadDir: join(tmpdir(), 'anneal-test-downloads'), keepFeatures });
const file = (path: string) => ({ name: 'd', source: { kind: 'file' as const, path } });

describe('readSource', () => {
  it('reads a CSV, infers its schema and reports it so it can be pinned', async () => {
    const path = write('plain.csv', 'label,size,ratio,colour\ncat,1,0.5,red\ndog,2,,blue\ncat,3,1.5,red\n');
    const r = await read(file(path));
    expect(r.schemaInferred).toBe(true);
    expect(r.schema?.columns).toEqual([
      { name: 'label', type: 'category', nullable: false },
      { name: 'size', type: 'integer', nullable: true },
      { name: 'ratio', type: 'number', nullable: true },
      { name: 'colour', type: 'category', nullable: true, vocabulary: ['blue', 'red'] },
    ]);
    // Only ratio has a gap, so only it keeps its missing indicator; colour is one-hot with an <other> bucket.
    expect(r.dataset.featureNames).toEqual(['size', 'ratio', 'ratio:missing', 'colour=blue', 'colour=red', 'colour=<other>']);
    expect([...r.dataset.features]).toEqual([1, 0.5, 0, 0, 1, 0, 2, 0, 1, 1, 0, 0, 3, 1.5, 0, 0, 1, 0]);
    expect(r.dataset.labels).toEqual(['cat', 'dog', 'cat']);
    expect(r.columns.find((c) => c.name === 'ratio')).toMatchObject({ missing: 1, min: 0.5, max: 1.5, role: 'feature' });
    expect(r.notices).toEqual([]);
  });

  it('hashes a wide category column by default, or drops or refuses it, as schema.wideCategories says', async () => {
    const path = write('cities.csv', 'label,x,city\na,1,Lyon\nb,2,Oslo\na,3,\n');
    const schema = (wideCategories?: object) => ({
      columns: [
        { name: 'label', type: 'category' as const },
        { name: 'x', type: 'number' as const },
        { name: 'city', type: 'category' as const, nullable: true },
      ],
      ...(wideCategories ? { wideCategories } : {}),
    });
    const hashed = await read({ ...file(path), schema: schema({ hashBuckets: 4 }) });
    expect(hashed.dataset.featureNames).toEqual(['x', 'city#0', 'city#1', 'city#2', 'city#3']);
    // Each row: x, then one bucket set for a city and none for the missing one.
    expect([0, 1, 2].map((r) => [...hashed.dataset.features.slice(r * 5 + 1, r * 5 + 5)].reduce((a, b) => a + b))).toEqual([1, 1, 0]);
    const dropped = await read({ ...file(path), schema: schema({ policy: 'drop' }) });
    expect(dropped.dataset.featureNames).toEqual(['x']);
    expect(dropped.notices).toContain('columns not used as features: city');
    await expect(read({ ...file(path), schema: schema({ policy: 'error' }) })).rejects.toThrow(
      `${path}: category column "city" is too wide to one-hot (expected at most 64 values, found none listed); set its hashBuckets, or schema.wideCategories.policy "hash" or "drop"`,
    );
  });

  it('reads the newest entry of a folder that matches `newest`, and says which', async () => {
    const older = write('drops/2026-12-01.csv', 'label,x\na,1\nb,2\n');
    write('drops/notes.txt', 'not data');
    const newer = write('drops/2026-12-02.csv', 'label,x\na,3\nb,4\na,5\n');
    utimesSync(older, new Date('2026-12-01T00:00:00Z'), new Date('2026-12-01T00:00:00Z'));
    utimesSync(newer, new Date('2026-12-02T00:00:00Z'), new Date('2026-12-02T00:00:00Z'));
    const folder = join(newer, '..');
    const r = await read({ name: 'd', source: { kind: 'file', path: folder, newest: '*.csv' } });
    expect(r.dataset.labels).toEqual(['a', 'b', 'a']);
    expect(r.notices).toContain(`read ${join(folder, '2026-12-02.csv')}, the newest entry of ${folder} matching "*.csv"`);
    await expect(read({ name: 'd', source: { kind: 'file', path: folder, newest: '*.parquet' } })).rejects.toThrow(`${folder}: nothing matches "*.parquet"`);
    await expect(read({ name: 'd', source: { kind: 'file', path: newer, newest: '*.csv' } })).rejects.toThrow(
      `${newer}: newest "*.csv" needs a folder to look in`,
    );
  });

  it("reads pandas' missing-value markers as missing, and only the given ones when the spec lists its own", async () => {
    const path = write('markers.csv', 'label,x,y\na,NA,1\nb,2, null \na,N/A,NaN\nb,4,-\n');
    const r = await read(file(path));
    expect(r.schema?.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['label:category', 'x:integer', 'y:category']);
    expect(r.columns.find((c) => c.name === 'x')).toMatchObject({ missing: 2 });
    const own = await read({ ...file(path), missingValues: ['NA', 'N/A', 'null', 'NaN', '-'] });
    expect(own.schema?.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['label:category', 'x:integer', 'y:integer']);
    expect(own.columns.find((c) => c.name === 'y')).toMatchObject({ missing: 3 });
    // A declared numeric column: the default markers are missing values, not invalid rows.
    const declared = await read({
      ...file(path),
      missingValues: undefined,
      schema: {
        columns: [
          { name: 'label', type: 'category' },
          { name: 'x', type: 'number', nullable: true },
        ],
      },
    });
    expect(declared.rowStats.invalidRows).toBe(0);
    // A gap reads 0 with its indicator set; the split fills it with the training mean inside the model.
    expect(declared.dataset.featureNames).toEqual(['x', 'x:missing']);
    expect([...declared.dataset.features]).toEqual([0, 1, 2, 0, 0, 1, 4, 0]);
  });

  it('reads TSV, a byte-order mark and CRLF line ends the same as plain CSV', async () => {
    const plain = await read(file(write('a.csv', csv(6))));
    const tsv = await read(file(write('a.tsv', csv(6).replace(/,/g, '\t'))));
    const bom = await read(file(write('bom.csv', `\ufeff${csv(6).replace(/\n/g, '\r\n')}`)));
    for (const other of [tsv, bom]) {
      expect(other.schema?.columns[0]?.name).toBe('label');
      expect([...other.dataset.features]).toEqual([...plain.dataset.features]);
      expect(other.rowStats.orderedDigest).toBe(plain.rowStats.orderedDigest);
    }
  });

  it('reads JSON Lines of flat objects as a table with the same checks', async () => {
    const path = write('flat.jsonl', '{"label": "a", "x": 1, "y": 2}\n{"label": "b", "x": 3, "y": null}\n{"label": "a", "x": "oops", "y": 1}\n');
    const r = await read(file(path));
    // "oops" makes x a category column when inferred (one-hot, with an <other> bucket); a declared schema catches the row.
    expect(r.schema?.columns.find((c) => c.name === 'x')).toMatchObject({ type: 'category', vocabulary: ['1', '3', 'oops'] });
    expect(r.dataset.featureNames).toEqual(['x=1', 'x=3', 'x=oops', 'x=<other>', 'y', 'y:missing']);
    expect([...r.dataset.features]).toEqual([1, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0]);
    expect(r.notices).toEqual([]);
    const declared = await read({
      ...file(path),
      schema: {
        columns: [
          { name: 'label', type: 'category' },
          { name: 'x', type: 'number' },
          { name: 'y', type: 'number', nullable: true },
        ],
      },
    });
    expect(declared.rowStats.invalidExamples).toEqual([{ at: `${path}:3`, field: 'x', expected: 'a finite number (not empty)', found: '"oops"' }]);
  });

  it('decodes PNG and JPEG image folders, resized to the declared size, one class per folder', async () => {
    write('imgs/dark/1.png', await png({ width: 16, height: 16, value: 0 }));
    write('imgs/light/2.jpg', await jpeg({ width: 20, height: 10, value: 255 }));
    write('imgs/light/notes.txt', 'skip me');
    const r = await read({ name: 'i', source: { kind: 'file', path: join(root, 'imgs') }, image: { width: 4, height: 4, channels: 1 } });
    expect(r.dataset.featureShape).toEqual([16]);
    expect(r.dataset.labels).toEqual(['dark', 'light']);
    expect(Math.max(...r.dataset.features.subarray(0, 16))).toBe(0);
    expect(Math.min(...r.dataset.features.subarray(16))).toBeGreaterThan(0.95);
    expect(r.notices).toEqual(['1 other file(s) skipped (only .png, .jpg, .jpeg are read)']);
  });

  it('gives the same content digest for the same rows in any order, and a different ordered digest', async () => {
    const rows = csv(40).trim().split('\n');
    const shuffled = [rows[0], ...rows.slice(1).reverse()].join('\n');
    const a = await read(file(write('order-a.csv', rows.join('\n'))), false);
    const b = await read(file(write('order-b.csv', shuffled)), false);
    const changed = await read(file(write('order-c.csv', shuffled.replace('a,0,0', 'b,0,0'))), false);
    expect(b.rowStats.contentDigest).toBe(a.rowStats.contentDigest);
    expect(b.rowStats.orderedDigest).not.toBe(a.rowStats.orderedDigest);
    expect(changed.rowStats.contentDigest).not.toBe(a.rowStats.contentDigest);
    expect(a.dataset.features).toHaveLength(0);
  });

  it('finds duplicate rows and identical inputs with conflicting labels, by line', async () => {
    const path = write('dups.csv', 'label,f0\na,1\nb,2\na,1\nb,1\na,3\n');
    const r = await read(file(path));
    expect(r.rowStats).toMatchObject({ duplicateRows: 1, conflictingLabels: 1 });
    expect(r.rowStats.duplicateExamples).toEqual([
      { at: `${path}:4`, sameAs: `${path}:2`, conflict: false },
      { at: `${path}:5`, sameAs: `${path}:2`, conflict: true },
    ]);
  });
});

describe('validation policy', () => {
  const path = () => write('policy.csv', 'label,f0,f1\na,1,5\nb,2,5\na,1,5\nb,,5\n');

  it('warns by default on duplicates, missing values and constant columns, and passes', async () => {
    const report = await inspect(file(path()), [root]);
    expect(report.passed).toBe(true);
    expect(report.warnings.map((w) => w.split(':')[0])).toEqual(['duplicates', 'missingValues', 'constantColumns']);
    expect(report.warnings[1]).toBe(
      'missingValues: missing values in f0 (1, 25.0%); a missing number is filled with its training mean inside the model (with a missing-indicator feature), a missing category is all zeros',
    );
    expect(report.warnings[2]).toBe('constantColumns: constant feature column(s), which carry no signal: f1');
  });

  it('fails on a check raised to fail, and skips a check turned off', async () => {
    await expect(inspect({ ...file(path()), validation: { checks: { duplicates: 'fail' } } }, [root])).rejects.toThrow(
      /^duplicates: 1 exact duplicate row\(s\) \(25\.0%\); first: .*policy\.csv:4 repeats .*policy\.csv:2$/,
    );
    const quiet = await inspect({ ...file(path()), validation: { checks: { duplicates: 'off', missingValues: 'off', constantColumns: 'off' } } }, [root]);
    expect(quiet.warnings).toEqual([]);
    expect(quiet.checks.find((c) => c.check === 'duplicates')?.status).toBe('off');
  });

  it('warns when the dataset is small for fine-tuning and when classes are imbalanced', async () => {
    const rows = ['label,f0', ...Array.from({ length: 30 }, (_, i) => `a,${i}`), 'b,100', 'b,101'].join('\n');
    const report = await inspect({ ...file(write('small.csv', rows)), validation: { recommendedRows: 100 } }, [root]);
    expect(report.warnings).toEqual([
      'imbalance: largest to smallest class 15.0:1 (limit 10:1)',
      'datasetSize: only 32 rows; fine-tuning usually wants a few hundred to thousands (recommendedRows 100)',
    ]);
  });
});

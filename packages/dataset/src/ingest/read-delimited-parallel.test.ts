import { dataRoot } from '../../test/dataset-fixtures';
import { readDelimitedParallel } from './read-delimited-parallel';

const { write } = dataRoot();

/** Rows with a bad value and a repeat in each half, so merging must keep lines, order and counts. */
function rows(n: number): string {
  const lines = ['label,f0,f1,note'];
  for (let i = 0; i < n; i++) {
    const f0 = i === 10 || i === n - 10 ? 'inf' : String(i % 50);
    lines.push(`${i % 3 === 0 ? 'x' : 'y'},${f0},${i % 2},n${i % 5}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('readDelimitedParallel', () => {
  it.each([true, false])('gives what one thread gives (keepFeatures %s)', async (keepFeatures) => {
    const path = write(`parallel-${keepFeatures}.csv`, rows(3000));
    const options = { path, file: 'p.csv', name: 'p', delimiter: ',' as const, keepFeatures };
    const serial = await readDelimitedParallel(options, { minBytes: 0, threads: 1 });
    const parallel = await readDelimitedParallel(options, { minBytes: 0, threads: 3 });
    expect(parallel.rowStats).toEqual(serial.rowStats);
    expect(parallel.rowStats.invalidExamples.map((p) => p.at)).toEqual(['p.csv:12', 'p.csv:2992']);
    expect(parallel.rowStats.duplicateRows).toBe(serial.rowStats.duplicateRows);
    expect(parallel.rowStats.duplicateRows).toBeGreaterThan(0);
    expect(parallel.rowStats.conflictingLabels).toBeGreaterThan(0);
    expect(parallel.columns).toEqual(serial.columns);
    expect(parallel.schema).toEqual(serial.schema);
    expect(parallel.firstSeen).toEqual(serial.firstSeen);
    expect([...parallel.dataset.features]).toEqual([...serial.dataset.features]);
    expect(parallel.dataset.labels).toEqual(serial.dataset.labels);
  });

  it('reports progress up to the file size, on one thread and on several', async () => {
    const path = write('progress.csv', rows(4000));
    const size = (await import('node:fs')).statSync(path).size;
    for (const threads of [1, 2]) {
      let bytes = 0;
      await readDelimitedParallel(
        { path, file: 'g.csv', name: 'g', delimiter: ',', keepFeatures: false, onBytes: (n) => (bytes += n) },
        { minBytes: 0, threads },
      );
      expect([threads, bytes]).toEqual([threads, size]);
    }
  });

  it('reads a file with quotes on one thread, since a quoted newline would break the cut', async () => {
    const path = write('quoted.csv', `${rows(500).trim()}\nx,1,2,"two\nlines"\n`);
    const r = await readDelimitedParallel({ path, file: 'q.csv', name: 'q', delimiter: ',', keepFeatures: true }, { minBytes: 0, threads: 2 });
    expect(r.rowStats.rows).toBe(499);
    expect(r.dataset.labels.at(-1)).toBe('x');
  });

  it("a worker's source error reaches the caller with its type and line", async () => {
    const bytes = Buffer.concat([Buffer.from(rows(2000)), Buffer.from([0x78, 0x2c, 0xff, 0x2c, 0x31, 0x2c, 0x6e, 0x0a])]);
    const path = write('bad-tail.csv', bytes);
    const err = await readDelimitedParallel({ path, file: 't.csv', name: 't', delimiter: ',', keepFeatures: false }, { minBytes: 0, threads: 2 }).catch(
      (e: Error & { type?: string }) => e,
    );
    expect(err).toMatchObject({ type: 'DatasetSourceError', message: 't.csv: line 2002: not valid UTF-8; save the file as UTF-8' });
  });
});

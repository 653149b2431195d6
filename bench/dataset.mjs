// npm run bench:dataset: validation throughput and memory of a 1,000,000-row CSV (20 numeric columns and a label),
// Anneal's dataset plugin against pandas.read_csv + a pandera schema of the same checks, both run from this script,
// each in its own process so peak RSS is its own. Prints one JSON line.
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const python = join(root, '.venv-bench-dataset', 'bin', 'python');
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const COLUMNS = 20;
const CLASSES = Array.from({ length: 10 }, (_, i) => `c${i}`);

if (!existsSync(python)) {
  console.error('bench:dataset needs its anchor: python3 -m venv .venv-bench-dataset && .venv-bench-dataset/bin/pip install -r bench/requirements-dataset.txt');
  process.exit(1);
}

const dir = join(root, '.anneal', 'bench');
mkdirSync(dir, { recursive: true });
const csvPath = join(dir, `dataset-${ROWS}.csv`);
const schemaPath = join(dir, 'dataset-schema.json');
writeFileSync(
  schemaPath,
  JSON.stringify({
    label: 'label',
    columns: [
      { name: 'label', type: 'category', values: CLASSES },
      ...Array.from({ length: COLUMNS }, (_, i) => ({ name: `f${i}`, type: 'number', min: -1e6, max: 1e6 })),
    ],
  }),
);

/** Seeded rows, so every run and both sides read the same bytes. */
async function generate() {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const out = createWriteStream(`${csvPath}.part`);
  out.write(`label,${Array.from({ length: COLUMNS }, (_, i) => `f${i}`).join(',')}\n`);
  for (let r = 0; r < ROWS; r++) {
    const cells = [CLASSES[Math.floor(next() * CLASSES.length)]];
    for (let c = 0; c < COLUMNS; c++) cells.push(((next() - 0.5) * 2000).toFixed(3));
    if (!out.write(`${cells.join(',')}\n`)) await new Promise((r2) => out.once('drain', r2));
  }
  await new Promise((r2) => out.end(r2));
  await import('node:fs/promises').then((fs) => fs.rename(`${csvPath}.part`, csvPath));
}

if (!existsSync(csvPath)) await generate();
const sizeMb = statSync(csvPath).size / 2 ** 20;
const measure = async (cmd, args) => JSON.parse((await run(cmd, args, { maxBuffer: 1 << 20, timeout: 600_000 })).stdout.trim().split('\n').pop());

const anneal = await measure(process.execPath, [join(here, 'dataset-node.mjs'), csvPath, schemaPath]);
const rowsPerSec = Math.round(anneal.rows / anneal.seconds);
// Two anchors: every check inside the pandera schema (duplicates through its `unique`), and pandas' fastest
// idiom for the duplicate checks (row hashes). The first line is the issue's; the second is the stricter bar.
for (const [variant, name] of [
  ['pandera', 'pandas+pandera'],
  ['hashed', 'pandas+pandera (hashed duplicates)'],
]) {
  const anchor = await measure(python, [join(here, 'dataset_pandera.py'), csvPath, schemaPath, variant]);
  if (anneal.rows !== anchor.rows || anneal.duplicateRows !== anchor.duplicateRows || anneal.invalidRows !== anchor.invalidRows) {
    console.error(`the two sides disagree: anneal ${JSON.stringify(anneal)} vs anchor ${JSON.stringify(anchor)}`);
    process.exit(1);
  }
  const anchorRowsPerSec = Math.round(anchor.rows / anchor.seconds);
  console.log(
    JSON.stringify({
      rows: anneal.rows,
      fileMb: Math.round(sizeMb),
      rowsPerSec,
      peakRssMb: Math.round(anneal.peakRssMb),
      anchor: name,
      anchorRowsPerSec,
      anchorPeakRssMb: Math.round(anchor.peakRssMb),
      ratio: Number((rowsPerSec / anchorRowsPerSec).toFixed(2)),
      memoryRatio: Number((anneal.peakRssMb / anchor.peakRssMb).toFixed(2)),
    }),
  );
}

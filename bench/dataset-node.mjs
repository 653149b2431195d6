// Child of bench/dataset.mjs: validates one CSV with Anneal's dataset plugin (the path `anneal dataset validate`
// takes) and prints {rows, seconds, peakRssMb} as one JSON line.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';

const require = createRequire(import.meta.url);
const { DatasetSpec } = require('@anneal/contracts');
const { readSource, validateDataset } = require('@anneal/dataset');

const [csvPath, schemaPath] = process.argv.slice(2);
const spec = DatasetSpec.parse({
  name: 'bench',
  source: { kind: 'file', path: csvPath, format: 'csv' },
  schema: JSON.parse(readFileSync(schemaPath, 'utf8')),
  minPerClass: 10,
});
const started = performance.now();
const ingested = await readSource({ spec, dataRoots: [dirname(csvPath)], downloadDir: join(tmpdir(), 'anneal-bench'), keepFeatures: false });
const report = validateDataset(ingested, { source: csvPath, policy: spec.validation, classes: spec.classes, minPerClass: spec.minPerClass });
const seconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    rows: report.rows + report.rowStats.invalidRows,
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    invalidRows: report.rowStats.invalidRows,
    duplicateRows: report.rowStats.duplicateRows,
    passed: report.passed,
  }),
);

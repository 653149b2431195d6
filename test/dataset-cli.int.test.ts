import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MlflowClient } from '@anneal/tracking';
import { readStackEnv } from './integration/stack-env';
import { REPO_ROOT } from './integration/harness';

jest.setTimeout(60_000);
const execFileAsync = promisify(execFile);
const stack = readStackEnv();
const data = mkdtempSync(join(tmpdir(), 'anneal-cli-data-'));
const env = { ...process.env, ANNEAL_DATA_ROOTS: data, MLFLOW_TRACKING_URI: stack.mlflowUri, ANNEAL_HOME: join(data, '.anneal') };

/** The built `anneal` command, as a user runs it: exit code, stdout and stderr. */
async function anneal(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [join(REPO_ROOT, 'packages', 'cli', 'bin', 'anneal.js'), 'dataset', 'validate', ...args], {
      env,
      cwd: data,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const good = ['label,f0,f1', ...Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'b' : 'a'},${i},${i % 7}`)].join('\n');
writeFileSync(join(data, 'good.csv'), good);
writeFileSync(join(data, 'nan.csv'), `${good}\nb,NaN,1\n`);
writeFileSync(
  join(data, 'schema.json'),
  JSON.stringify({
    schema: {
      columns: [
        { name: 'label', type: 'category' },
        { name: 'f0', type: 'number' },
        { name: 'f1', type: 'number' },
      ],
    },
    minPerClass: 5,
  }),
);

it('exits 0 with the report for a valid file', async () => {
  const r = await anneal('good.csv', '--schema', 'schema.json');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('**PASSED**: 40 rows accepted, 0 invalid, 2 classes');
});

it('exits 1 with the failing checks on stderr, and the whole report with --json', async () => {
  const r = await anneal('nan.csv', '--schema', 'schema.json', '--json');
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('invalidRows: 1 of 41 rows invalid; first: ');
  expect(r.stderr).toContain('nan.csv:42, field "f0", expected a finite number (not empty), found "NaN"');
  const report = JSON.parse(r.stdout);
  expect(report).toMatchObject({ passed: false, rows: 40, rowStats: { invalidRows: 1 } });
});

it("reports a text table's lengths and near-duplicate texts", async () => {
  // 100 words, 98 word 3-grams: one word changed keeps 95 of 101 (Jaccard 0.94).
  const words = Array.from({ length: 100 }, (_, i) => `word${String.fromCharCode(97 + (i % 26), 97 + Math.floor(i / 26))}`);
  const texts = [
    words,
    words.map((w, i) => (i === 50 ? 'other' : w)),
    ...Array.from({ length: 10 }, (_, k) => words.map((w) => `${w}z${String.fromCharCode(97 + k)}`)),
  ];
  writeFileSync(join(data, 'texts.csv'), ['label,text', ...texts.map((t, i) => `${i % 2 ? 'b' : 'a'},${t.join(' ')}`)].join('\n'));
  const schema = {
    schema: {
      columns: [
        { name: 'label', type: 'category' },
        { name: 'text', type: 'string' },
      ],
      text: { column: 'text', maxTokens: 128 },
    },
    minPerClass: 1,
  };
  writeFileSync(join(data, 'text-schema.json'), JSON.stringify(schema));
  const r = await anneal('texts.csv', '--schema', 'text-schema.json');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('text: 12 texts, tokens per text median 100');
  expect(r.stdout).toMatch(/\| nearDuplicates \| warn \| WARN \| 1 near-duplicate text pair\(s\) among 2 rows .*texts\.csv:3 ~ .*texts\.csv:2 \(0\.94\) \|/);
});

it.each([
  [['missing.csv'], /^anneal: .*missing\.csv: no such file or folder\n$/],
  [['/etc/hostname'], /^anneal: \/etc\/hostname: outside the data roots .*; set ANNEAL_DATA_ROOTS to allow it\n$/],
  [['http://127.0.0.1:9/x.csv'], /^anneal: http:\/\/127\.0\.0\.1:9\/x\.csv: cannot connect .*\(after 4 attempt\(s\)\)\n$/],
  [['good.csv', '--schema', 'nope.json'], /^anneal: --schema nope\.json: no such file\n$/],
  [['good.csv', '--image', 'big'], /^anneal: --image: expected WxH or WxHxC/],
])('a bad source or option is one line on stderr and exit 2: %j', async (args, line) => {
  const r = await anneal(...args);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(line);
  expect(r.stderr).not.toContain('    at ');
});

it('validates a file stored in MLflow, by runs:/ URI', async () => {
  const mlflow = new MlflowClient({ trackingUri: stack.mlflowUri });
  const experimentId = await mlflow.getOrCreateExperiment('cli-dataset-source');
  const run = await mlflow.createRun({ experimentId, runName: 'upload' });
  await mlflow.uploadArtifact(`${run.info.artifact_uri}/data/good.csv`, Buffer.from(good));
  const r = await anneal(`runs:/${run.info.run_id}/data/good.csv`, '--schema', 'schema.json');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`Source: \`runs:/${run.info.run_id}/data/good.csv\``);
  const missing = await anneal(`runs:/${run.info.run_id}/data/absent.csv`);
  expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/^anneal: runs:\/.*absent\.csv: HTTP 404/) });
});

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FineTuneSpecInput } from '@anneal/contracts';
import { MlflowClient } from '@anneal/tracking';
import { anneal, withCliWorker } from './integration/cli-process';
import { REPO_ROOT } from './integration/harness';
import { startAuthServer, type AuthServer } from './integration/mlflow-auth-server';
import { readStackEnv } from './integration/stack-env';

// Production settings tried for real: a worker and the CLI against `mlflow server --app-name basic-auth`.
jest.setTimeout(300_000);
const stack = readStackEnv();
const venv = process.env.ANNEAL_VENV ?? join(REPO_ROOT, '.venv');
const TOKEN = `tok-${randomUUID()}`;
const work = mkdtempSync(join(tmpdir(), 'anneal-auth-'));

let server: AuthServer;
let password: string;
beforeAll(async () => {
  server = await startAuthServer({ venv, tokens: { [TOKEN]: 'anneal-bot' } });
  password = await server.createUser('anneal-bot');
});
afterAll(() => server?.stop());

const envFor = (auth: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env,
  TEMPORAL_ADDRESS: stack.temporalAddress,
  MLFLOW_TRACKING_URI: server.uri,
  MLFLOW_TRACKING_USERNAME: undefined,
  MLFLOW_TRACKING_PASSWORD: undefined,
  MLFLOW_TRACKING_TOKEN: undefined,
  ANNEAL_HOME: join(work, '.anneal'),
  ANNEAL_DATA_ROOTS: work,
  ANNEAL_WORKFLOW_BUNDLE: stack.workflowBundlePath,
  ...auth,
});

const run = (args: string[], env: NodeJS.ProcessEnv) => anneal(args, { env, cwd: work });

it('a worker and the CLI train, register and read with basic credentials, the dataset from MLflow itself; no secret is kept or printed', async () => {
  const bot = { MLFLOW_TRACKING_USERNAME: 'anneal-bot', MLFLOW_TRACKING_PASSWORD: password };
  const secrets = [password, Buffer.from(`anneal-bot:${password}`).toString('base64')];
  // The data lives in the authenticated MLflow: the `mlflow` dataset source reads it with the worker's credentials.
  const csv = join(work, 'wine.csv');
  execFileSync(join(venv, 'bin', 'python'), [join(REPO_ROOT, 'bench', 'tabular_sklearn.py'), 'export', 'wine', csv]);
  const client = new MlflowClient({ trackingUri: server.uri, auth: { username: 'anneal-bot', password } });
  const dataRun = await client.createRun({ experimentId: await client.getOrCreateExperiment('auth-data'), runName: 'upload' });
  await client.uploadArtifact(`${dataRun.info.artifact_uri}/data/wine.csv`, readFileSync(csv));

  const name = `auth-${randomUUID().slice(0, 6)}`;
  const spec: FineTuneSpecInput = {
    name,
    dataset: { name: 'wine', source: { kind: 'mlflow', uri: `runs:/${dataRun.info.run_id}/data/wine.csv` }, minPerClass: 20 },
    split: { validation: 0.2, test: 0.25, seed: 7 },
    model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [16] } }] },
    tuning: { trials: 1, strategies: ['full'], epochs: [5], learningRate: { min: 3e-3, max: 3e-3 }, batchSize: 16 },
    register: { name },
  };
  writeFileSync(join(work, `${name}.json`), JSON.stringify(spec));
  let started = { code: -1, stdout: '', stderr: '' };
  const workerOutput = await withCliWorker({ env: envFor(bot), cwd: work }, async () => {
    started = await run(['start', `${name}.json`], envFor(bot));
  });
  expect(started.stderr).not.toMatch(/^anneal: /m); // progress lines only, no failure
  expect(started.code).toBe(0);
  expect(started.stdout).toContain(`${name} v1`);
  const listed = await run(['runs', name, '--json'], envFor(bot));
  expect(listed.code).toBe(0);
  expect((JSON.parse(listed.stdout) as { status: string }[])[0]).toMatchObject({ status: 'FINISHED' });

  // What was stored: every run's params and tags; what was printed: the worker's and the CLI's output; and what
  // Temporal keeps: the pipeline's whole history (inputs, results, failures, heartbeat details).
  const experimentId = await client.getOrCreateExperiment(name);
  const runs = await client.searchRuns({ experimentIds: [experimentId] });
  expect(runs.length).toBeGreaterThan(3);
  const stored = JSON.stringify(runs.map((r) => [r.data.params, r.data.tags]));
  const ids = execFileSync(stack.temporalBin, ['workflow', 'list', '--query', `AnnealModel='${name}'`, '--output', 'json', '--address', stack.temporalAddress]);
  const workflowId = (JSON.parse(ids.toString()) as { execution: { workflowId: string } }[])[0]!.execution.workflowId;
  const history = execFileSync(stack.temporalBin, ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', stack.temporalAddress]);
  for (const text of [stored, workerOutput, started.stdout + started.stderr, listed.stdout, history.toString()]) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
});

it('a bearer token works; wrong credentials are one clear line from the CLI, and the worker refuses to start with them', async () => {
  const withToken = await run(['runs', '--json'], envFor({ MLFLOW_TRACKING_TOKEN: TOKEN }));
  expect(withToken.code).toBe(0);
  expect(JSON.parse(withToken.stdout)).toEqual(expect.any(Array));

  const wrong = `wrong-${randomUUID()}`;
  const refused = await run(['runs'], envFor({ MLFLOW_TRACKING_USERNAME: 'anneal-bot', MLFLOW_TRACKING_PASSWORD: wrong }));
  const line = `anneal: MLflow at ${server.uri} did not accept user "anneal-bot" (401 Unauthorized): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN\n`;
  expect(refused).toMatchObject({ code: 1, stderr: line });
  const badToken = await run(['runs'], envFor({ MLFLOW_TRACKING_TOKEN: wrong }));
  expect(badToken.stderr).toBe(
    `anneal: MLflow at ${server.uri} did not accept the token in MLFLOW_TRACKING_TOKEN (401 Unauthorized): ${line.split(': ').pop()}`,
  );
  const worker = await run(['worker'], envFor({ MLFLOW_TRACKING_USERNAME: 'anneal-bot', MLFLOW_TRACKING_PASSWORD: wrong }));
  expect(worker).toMatchObject({ code: 1, stderr: line });
  for (const r of [refused, badToken, worker]) expect(r.stdout + r.stderr).not.toContain(wrong);
});

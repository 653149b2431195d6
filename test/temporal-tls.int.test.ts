import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anneal, withCliWorker } from './integration/cli-process';
import { startTlsProxy } from './integration/grpc-tls-proxy';
import { REPO_ROOT } from './integration/harness';
import { readStackEnv } from './integration/stack-env';
import { makeTestCerts, type TestCerts } from './integration/tls-certs';

// Temporal's dev server serves plaintext only: these tests put a TLS front (mutual, or checking an API key) before
// it, as a TLS-terminating proxy before a cluster does, and connect the worker and the CLI through it.
jest.setTimeout(240_000);
const stack = readStackEnv();
const work = mkdtempSync(join(tmpdir(), 'anneal-tls-work-'));
let certs: TestCerts;
let mtls: Awaited<ReturnType<typeof startTlsProxy>>;
let keyed: Awaited<ReturnType<typeof startTlsProxy>>;
const API_KEY = `key-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  certs = makeTestCerts();
  const server = { upstream: stack.temporalAddress, key: certs.pem.serverKey, cert: certs.pem.serverCert };
  mtls = await startTlsProxy({ ...server, clientCa: certs.pem.ca });
  keyed = await startTlsProxy({ ...server, apiKey: API_KEY });
});
afterAll(async () => {
  await mtls?.close();
  await keyed?.close();
});

const envFor = (port: number, temporal: Record<string, string>): NodeJS.ProcessEnv => ({
  ...process.env,
  TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.path.ca,
  TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
  MLFLOW_TRACKING_URI: stack.mlflowUri,
  ANNEAL_HOME: join(work, '.anneal'),
  ANNEAL_DATA_ROOTS: join(REPO_ROOT, 'examples'),
  ANNEAL_WORKFLOW_BUNDLE: stack.workflowBundlePath,
  ...temporal,
});

it('over mutual TLS the worker serves and the CLI starts a pipeline to its end', async () => {
  const env = envFor(mtls.port, { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.path.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.path.clientKey });
  // The quick example under a name of its own: the shared MLflow keeps what other tests register as digits-quick.
  const name = `tls-${Math.random().toString(36).slice(2, 8)}`;
  const example = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'fine-tune-digits-quick.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(work, `${name}.json`), JSON.stringify({ ...example, $schema: undefined, name, register: { name, alias: 'champion' } }));
  let started = { code: -1, stdout: '', stderr: '' };
  const output = await withCliWorker({ env, cwd: work }, async () => {
    started = await anneal(['start', `${name}.json`], { env, cwd: work });
  });
  expect(output).toContain(`polling cpu + gpu queue(s) at 127.0.0.1:${mtls.port}`);
  expect(started.stderr).not.toMatch(/^anneal: /m);
  expect(started.code).toBe(0);
  expect(started.stdout).toContain(`registered ${name} v1 @champion`);
});

it('without a client certificate, or trusting the wrong CA, the CLI fails with one line', async () => {
  const noCert = await anneal(['schedule', 'list'], { env: envFor(mtls.port, {}), cwd: work });
  const where = `anneal: cannot connect to Temporal at 127.0.0.1:${mtls.port}`;
  expect(noCert).toMatchObject({ code: 1, stderr: `${where} (TLS: tlsv13 alert certificate required): Failed to connect before the deadline\n` });
  const wrongCa = await anneal(['schedule', 'list'], {
    env: envFor(mtls.port, {
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.path.clientCert,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.path.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.path.clientKey,
    }),
    cwd: work,
  });
  expect(wrongCa.code).toBe(1);
  expect(wrongCa.stderr).toMatch(new RegExp(`^${where} \\(TLS: [^)]*certificate[^)]*\\): Failed to connect before the deadline\n$`));
});

it('an API key is sent as Temporal Cloud expects it; a wrong one is refused in one line', async () => {
  const ok = await anneal(['schedule', 'list'], { env: envFor(keyed.port, { TEMPORAL_API_KEY: API_KEY }), cwd: work });
  expect(ok).toMatchObject({ code: 0 });
  const wrong = await anneal(['schedule', 'list'], { env: envFor(keyed.port, { TEMPORAL_API_KEY: 'not-the-key' }), cwd: work });
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toMatch(/^anneal: .*invalid API key\n$/);
  expect(wrong.stderr).not.toContain('not-the-key');
});

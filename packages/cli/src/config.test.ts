import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config';

it('defaults to the embedded local stack', () => {
  const c = loadConfig({});
  expect(c.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
  expect(c.TEMPORAL_NAMESPACE).toBe('default');
  expect(c.MLFLOW_TRACKING_URI).toBe('http://127.0.0.1:5000');
  expect(c.ANNEAL_BACKEND).toBe('auto');
  expect(c.ANNEAL_GPU_SLOTS).toBe(1);
});

it('reads a production setup from the usual variables', () => {
  const c = loadConfig({
    TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'ns.acct',
    TEMPORAL_API_KEY: 'k',
    MLFLOW_TRACKING_URI: 'https://mlflow.example.com',
    ANNEAL_GPU_SLOTS: '4',
    ANNEAL_DATA_ROOTS: '/data:/mnt',
  });
  expect(c).toMatchObject({ TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'k', ANNEAL_GPU_SLOTS: 4, dataRoots: ['/data', '/mnt'] });
});

it('fails loudly, naming each bad variable', () => {
  expect(() => loadConfig({ MLFLOW_TRACKING_URI: 'not a url', ANNEAL_BACKEND: 'tpu', ANNEAL_GPU_SLOTS: '0' })).toThrow(
    /invalid configuration:\n {2}MLFLOW_TRACKING_URI: Invalid URL \(found: "not a url"\)\n {2}ANNEAL_BACKEND: .*\(found: "tpu"\)\n {2}ANNEAL_GPU_SLOTS: Too small/,
  );
});

it('parses failpoints as JSON once, and names what is wrong in them', () => {
  const c = loadConfig({ ANNEAL_FAILPOINTS: '[{"activity":"fineTune","workflowId":"trial-1$","fail":"nonRetryable"}]' });
  expect(c.ANNEAL_FAILPOINTS).toEqual([{ activity: 'fineTune', workflowId: 'trial-1$', attempt: 1, delayMs: 0, fail: 'nonRetryable' }]);
  expect(() => loadConfig({ ANNEAL_FAILPOINTS: '[{"activity":"fineTune",' })).toThrow(/ANNEAL_FAILPOINTS: expected JSON/);
  expect(() => loadConfig({ ANNEAL_FAILPOINTS: '[{"activity":"fineTune","fail":"sometimes"}]' })).toThrow(/ANNEAL_FAILPOINTS\.0\.fail: Invalid option/);
});

describe('Temporal connection settings (read by @temporalio/envconfig)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anneal-config-'));
  writeFileSync(join(dir, 'client.pem'), 'CERT');
  writeFileSync(join(dir, 'client.key'), 'KEY');
  writeFileSync(join(dir, 'ca.pem'), 'CA');

  it('mTLS from files, a server CA and a server name', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.example.com:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const tls = c.temporalConnection.tls as {
      clientCertPair: { crt: Uint8Array; key: Uint8Array };
      serverRootCACertificate: Uint8Array;
      serverNameOverride: string;
    };
    const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();
    expect(c.temporalConnection.address).toBe('temporal.example.com:7233');
    expect(text(tls.clientCertPair.crt)).toBe('CERT');
    expect(text(tls.clientCertPair.key)).toBe('KEY');
    expect(text(tls.serverRootCACertificate)).toBe('CA');
    expect(tls.serverNameOverride).toBe('temporal.internal');
  });

  it('an API key turns TLS on unless TEMPORAL_TLS says otherwise', () => {
    expect(loadConfig({ TEMPORAL_API_KEY: 'k' }).temporalConnection).toMatchObject({ apiKey: 'k', tls: true });
    expect(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).temporalConnection.tls).toBeFalsy();
  });

  it("takes address and namespace from the temporal CLI's config profile, the variables winning", () => {
    const file = join(dir, 'temporal.toml');
    writeFileSync(file, '[profile.default]\naddress = "prod.example.com:7233"\nnamespace = "ml"\n\n[profile.staging]\naddress = "staging:7233"\n');
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: file })).toMatchObject({ TEMPORAL_ADDRESS: 'prod.example.com:7233', TEMPORAL_NAMESPACE: 'ml' });
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' }).TEMPORAL_ADDRESS).toBe('staging:7233');
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_NAMESPACE: 'other' }).TEMPORAL_NAMESPACE).toBe('other');
  });

  it('a bad address or an unreadable certificate fails loudly, naming it', () => {
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'no-port' })).toThrow(/TEMPORAL_ADDRESS: expected host:port/);
    expect(loadConfig({ TEMPORAL_ADDRESS: '[::1]:7233' }).TEMPORAL_ADDRESS).toBe('[::1]:7233');
    expect(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'absent.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key') })).toThrow(
      /invalid configuration: Temporal connection settings: .*absent\.pem/,
    );
  });
});

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

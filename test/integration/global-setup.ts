import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureMlflow } from '../../packages/cli/src/local-services';
import { bundlerOptions, workflowsPath } from '../../packages/cli/src/workflow-source';
import { SEARCH_ATTRIBUTES } from '../../workflows/src/search-attributes';
import { freePort } from './free-port';
import { writeStackEnv } from './stack-env';

/** One real Temporal dev server and one real MLflow server for the whole run, on free ports so a running demo does not clash. */
export default async function globalSetup(): Promise<void> {
  const venv = process.env.ANNEAL_VENV ?? join(__dirname, '..', '..', '.venv');
  const temporalBin = join(venv, 'bin', 'temporal');
  const home = mkdtempSync(join(tmpdir(), 'anneal-test-'));
  const [mlflowPort, temporalPort] = [await freePort(), await freePort()];

  const started = Date.now();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalBin },
      ip: '127.0.0.1',
      port: temporalPort,
      ui: false,
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
    },
  });
  await ensureMlflow({ home, venv, temporalPort, temporalUiPort: 0, mlflowPort }, () => {});
  const bundle = await bundleWorkflowCode({ workflowsPath: workflowsPath(), ...bundlerOptions(), logger: quietLogger });
  const workflowBundlePath = join(home, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);
  (globalThis as { __ANNEAL_TEST_ENV__?: unknown }).__ANNEAL_TEST_ENV__ = { env, home };
  writeStackEnv({ temporalAddress: `127.0.0.1:${temporalPort}`, mlflowUri: `http://127.0.0.1:${mlflowPort}`, workflowBundlePath, home, temporalBin });
  process.stderr.write(`\nintegration stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (temporal :${temporalPort}, mlflow :${mlflowPort})\n`);
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

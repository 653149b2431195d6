// The project's Temporal dev server (deploy/local's pinned CLI) for the orchestration benches, with Anneal's search
// attributes registered, and the workflows bundled once.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';

const require = createRequire(import.meta.url);
const { bundlerOptions, workflowsPath } = require('../../packages/cli/dist/workflow-source.js');
const { SEARCH_ATTRIBUTES } = require('@anneal/workflows');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A started dev server (tear it down with `env.teardown()`), with the SDK logging warnings only. */
export async function startDevServer() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: join(ROOT, '.venv', 'bin', 'temporal') },
      ip: '127.0.0.1',
      ui: false,
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
    },
  });
}

/** Anneal's workflows as one bundle: its code, for a Worker's `workflowBundle: { code }` or a file. */
export async function bundleWorkflows() {
  return (await bundleWorkflowCode({ workflowsPath: workflowsPath(), ...bundlerOptions(), logger: new DefaultLogger('WARN') })).code;
}

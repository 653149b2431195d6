// Bundles Anneal's workflows once, at image build time, so a worker starts without webpack (ANNEAL_WORKFLOW_BUNDLE).
// Usage: node deploy/docker/bundle-workflows.mjs <output.js>
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bundleWorkflowCode } from '@temporalio/worker';

const require = createRequire(import.meta.url);
const { bundlerOptions, workflowsPath } = require('../../packages/cli/dist/workflow-source.js');
const out = process.argv[2];
if (!out) throw new Error('usage: node deploy/docker/bundle-workflows.mjs <output.js>');
const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), ...bundlerOptions() });
writeFileSync(out, code);
console.error(`workflow bundle: ${out} (${(code.length / 1e6).toFixed(1)} MB)`);

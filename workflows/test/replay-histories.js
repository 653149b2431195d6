#!/usr/bin/env node
// Replays recorded workflow histories against the current workflow code. A file holds
// { workflowId, history } where history is what `temporal workflow show --output json` printed.
// Runs as a plain Node process: protobufjs's JSON decoding does not survive jest's module registry.
// usage: node workflows/test/replay-histories.js <history.json>...
'use strict';
const { readFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const { DefaultLogger, Runtime, Worker, bundleWorkflowCode } = require('@temporalio/worker');

async function main(files) {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const bundle = await bundleWorkflowCode({
    workflowsPath: join(__dirname, '..', 'src', 'index.ts'),
    webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, conditionNames: ['@anneal/source', 'import', 'require', 'default'] } }),
    logger: new DefaultLogger('WARN'),
  });
  let failed = 0;
  for (const file of files) {
    try {
      const { workflowId, history } = JSON.parse(readFileSync(file, 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId);
      console.log(`replayed ${basename(file)}`);
    } catch (err) {
      failed++;
      console.log(`FAILED ${basename(file)}: ${err.message}${err.cause ? `: ${err.cause.message}` : ''}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// Kept apart from worker.ts so that bundling workflows loads no activity code (and no tfjs).

/** Where the workflow bundler finds workflow code: the source, through the `@anneal/source` export condition. */
export function workflowsPath(): string {
  return join(dirname(createRequire(__filename).resolve('@anneal/workflows/package.json')), 'src', 'index.ts');
}

export function bundlerOptions() {
  return {
    webpackConfigHook: (config: { resolve?: { conditionNames?: string[] } }) => {
      config.resolve = { ...config.resolve, conditionNames: ['@anneal/source', 'import', 'require', 'default'] };
      return config;
    },
  };
}

/** What global-setup started, passed to test files through the environment. */
export interface TestStack {
  temporalAddress: string;
  mlflowUri: string;
  workflowBundlePath: string;
  home: string;
  temporalBin: string;
}

const KEY = 'ANNEAL_TEST_STACK';

export function writeStackEnv(stack: TestStack): void {
  process.env[KEY] = JSON.stringify(stack);
}

export function readStackEnv(): TestStack {
  const raw = process.env[KEY];
  if (!raw) throw new Error(`${KEY} is not set: run integration tests through jest (global-setup starts the services)`);
  return JSON.parse(raw) as TestStack;
}

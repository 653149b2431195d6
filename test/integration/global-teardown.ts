import { rmSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { downLocalStack } from '../../packages/cli/src/local-services';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __ANNEAL_TEST_ENV__?: { env: TestWorkflowEnvironment; home: string } }).__ANNEAL_TEST_ENV__;
  if (!state) return;
  await state.env.teardown();
  downLocalStack({ home: state.home });
  if (!process.env.ANNEAL_KEEP_TEST_STATE) rmSync(state.home, { recursive: true, force: true });
}

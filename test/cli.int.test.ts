import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FineTuneResult } from '@anneal/workflows';
import { REPO_ROOT, connectHarness, type Harness } from './integration/harness';

jest.setTimeout(180_000);
const run = promisify(execFile);

let h: Harness;
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => h?.close());

it('starts fineTune from the real temporal CLI with an examples/ spec', async () => {
  const workflowId = `cli-${randomUUID().slice(0, 8)}`;
  const result = await h.withWorker(async () => {
    const { stdout } = await run(h.stack.temporalBin, [
      'workflow', 'start', '--type', 'fineTune', '--task-queue', 'anneal', '--workflow-id', workflowId,
      '--input-file', join(REPO_ROOT, 'examples', 'fine-tune-digits-quick.json'), '--address', h.stack.temporalAddress,
    ]);
    expect(stdout).toContain(workflowId);
    return (await h.client.workflow.getHandle(workflowId).result()) as FineTuneResult;
  });
  expect(result.trials).toHaveLength(2);
  expect(result.registered).toMatchObject({ name: 'digits-quick', alias: 'champion' });
  const { stdout } = await run(h.stack.temporalBin, ['workflow', 'describe', '--workflow-id', workflowId, '--address', h.stack.temporalAddress]);
  expect(stdout).toMatch(/Status\s+COMPLETED/);
});

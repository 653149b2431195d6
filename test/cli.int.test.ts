import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
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
      'workflow',
      'start',
      '--type',
      'fineTune',
      '--task-queue',
      'anneal',
      '--workflow-id',
      workflowId,
      '--input-file',
      join(REPO_ROOT, 'examples', 'fine-tune-digits-quick.json'),
      '--address',
      h.stack.temporalAddress,
    ]);
    expect(stdout).toContain(workflowId);
    return (await h.client.workflow.getHandle(workflowId).result()) as FineTuneResult;
  });
  expect(result.trials).toHaveLength(2);
  expect(result.registered).toMatchObject({ name: 'digits-quick', alias: 'champion' });
  const { stdout } = await run(h.stack.temporalBin, ['workflow', 'describe', '--workflow-id', workflowId, '--address', h.stack.temporalAddress]);
  expect(stdout).toMatch(/Status\s+COMPLETED/);
  // Its search attributes find it, as a user would look for a model's pipelines (visibility may lag a moment).
  const query = "AnnealModel='digits-quick' AND AnnealPipeline='fineTune' AND AnnealStage='done' AND AnnealChampionVersion >= 1";
  let listed = '';
  for (let i = 0; i < 30 && !listed.includes(workflowId); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 300));
    listed = (await run(h.stack.temporalBin, ['workflow', 'list', '--query', query, '--output', 'json', '--address', h.stack.temporalAddress])).stdout;
  }
  expect(listed).toContain(workflowId);
});

it('replays its own histories deterministically (and records them as fixtures with ANNEAL_RECORD_HISTORIES=1)', async () => {
  const workflowId = `replay-${randomUUID().slice(0, 8)}`;
  await h.withWorker(async () => {
    const handle = await h.client.workflow.start('fineTune', {
      taskQueue: 'anneal',
      workflowId,
      args: [require(join(REPO_ROOT, 'examples', 'fine-tune-digits-quick.json'))],
    });
    await handle.result();
  });
  const dir = process.env.ANNEAL_RECORD_HISTORIES ? join(REPO_ROOT, 'workflows', 'test', 'histories') : h.stack.home;
  const files: string[] = [];
  // fine-tune-quick and trial-quick were recorded before the promotion gate (they replay its patched-out path).
  for (const [id, fixture] of [
    [workflowId, 'fine-tune-gated'],
    [`${workflowId}/trial-0`, 'trial-gated'],
  ] as const) {
    const { stdout } = await run(h.stack.temporalBin, ['workflow', 'show', '--workflow-id', id, '--output', 'json', '--address', h.stack.temporalAddress], {
      maxBuffer: 64 << 20,
    });
    files.push(join(dir, `${fixture}.json`));
    writeFileSync(files[files.length - 1]!, JSON.stringify({ workflowId: id, history: JSON.parse(stdout) }));
  }
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'workflows', 'test', 'replay-histories.js'), ...files]);
  expect(stdout).toContain('replayed fine-tune-gated.json');
  expect(stdout).toContain('replayed trial-gated.json');
});

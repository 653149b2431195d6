import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Histories recorded from real runs (test/cli.int.test.ts with ANNEAL_RECORD_HISTORIES=1). Replaying them against
// today's workflow code fails on any change that would break workflows already running: use patched() for those.
const dir = join(__dirname, '..', 'test', 'histories');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => join(dir, f));
const replay = (paths: string[]) => promisify(execFile)(process.execPath, [join(__dirname, '..', 'test', 'replay-histories.js'), ...paths]);

jest.setTimeout(120_000);

it('replays the recorded histories of fineTune and trial, from before and after the promotion gate, without non-determinism', async () => {
  // fine-tune-approved: a retrain that waited for approval (refused and accepted updates, its workers killed meanwhile).
  const names = ['fine-tune-approved.json', 'fine-tune-gated.json', 'fine-tune-quick.json', 'trial-gated.json', 'trial-quick.json'];
  expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(names);
  const { stdout } = await replay(files);
  expect(stdout.trim().split('\n').sort()).toEqual(names.map((n) => `replayed ${n}`));
});

it('catches a history that the code would not reproduce', async () => {
  // Child workflow ids derive from the parent's id: replaying under another id must be flagged as non-deterministic.
  const recorded = JSON.parse(readFileSync(join(dir, 'fine-tune-quick.json'), 'utf8')) as { workflowId: string };
  const tampered = join(mkdtempSync(join(tmpdir(), 'replay-')), 'tampered.json');
  writeFileSync(tampered, JSON.stringify({ ...recorded, workflowId: 'another-id' }));
  const err = (await replay([tampered]).catch((e: unknown) => e)) as { code?: number; stdout?: string };
  expect(err.code).toBe(1);
  expect(err.stdout).toContain('FAILED tampered.json: Replay failed with a nondeterminism error');
});

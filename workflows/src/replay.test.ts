import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Histories recorded from real runs (test/cli.int.test.ts with ANNEAL_RECORD_HISTORIES=1). Replaying them against
// today's workflow code fails on any change that would break workflows already running: use patched() for those.
const dir = join(__dirname, '..', 'test', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
const replay = (paths: string[]) => promisify(execFile)(process.execPath, [join(__dirname, '..', 'test', 'replay-histories.js'), ...paths]);

jest.setTimeout(120_000);

it('replays the recorded histories of fineTune and trial without non-determinism', async () => {
  expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['fine-tune-quick.json', 'trial-quick.json']);
  const { stdout } = await replay(files);
  expect(stdout.trim().split('\n').sort()).toEqual(['replayed fine-tune-quick.json', 'replayed trial-quick.json']);
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

import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './harness';

const execFileAsync = promisify(execFile);
const ANNEAL = join(REPO_ROOT, 'packages', 'cli', 'bin', 'anneal.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built `anneal` command, as a user runs it: exit code, stdout and stderr. */
export async function anneal(args: string[], o: { env: NodeJS.ProcessEnv; cwd: string }): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [ANNEAL, ...args], o);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `anneal worker` in the background while `body` runs (from when it polls), then SIGTERM; returns what it printed. */
export async function withCliWorker(o: { env: NodeJS.ProcessEnv; cwd: string }, body: () => Promise<void>): Promise<string> {
  const child = spawn(process.execPath, [ANNEAL, 'worker'], o);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (let i = 0; i < 600 && !output.includes('polling'); i++) {
      if (child.exitCode !== null) throw new Error(`the worker exited: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await body();
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return output;
}

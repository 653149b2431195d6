import { join, resolve } from 'node:path';

/** The repository root (this file is at packages/cli/{src,dist}/). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export function venvPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.ANNEAL_VENV ? resolve(env.ANNEAL_VENV) : join(REPO_ROOT, '.venv');
}

export const EXAMPLES = join(REPO_ROOT, 'examples');

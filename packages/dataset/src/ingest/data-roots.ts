import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { sourceError } from '../source-error';

/** Resolves `path` and refuses anything outside the configured data roots (`../` escapes and symlinks out included). */
export async function resolveDataPath(path: string, dataRoots: readonly string[], shown = path): Promise<string> {
  let real: string;
  try {
    real = await realpath(resolve(path));
  } catch {
    throw sourceError(`${shown}: no such file or folder`);
  }
  const roots = await Promise.all(dataRoots.map((r) => realpath(resolve(r)).catch(() => resolve(r))));
  const inside = roots.some((root) => {
    const rel = relative(root, real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
  if (!inside) {
    const via = real === resolve(path) ? '' : ` (it resolves to ${real})`;
    throw sourceError(`${shown}: outside the data roots (${dataRoots.join(', ') || 'none configured'})${via}; set ANNEAL_DATA_ROOTS to allow it`);
  }
  return real;
}

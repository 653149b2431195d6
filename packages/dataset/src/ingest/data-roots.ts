import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '@anneal/contracts';

/**
 * Resolves `path` and refuses anything outside the configured data roots (`../` escapes and symlinks out included),
 * with a non-retryable failure of `errorType` (a dataset source's by default).
 */
export async function resolveDataPath(path: string, dataRoots: readonly string[], options: { shown?: string; errorType?: ErrorType } = {}): Promise<string> {
  const shown = options.shown ?? path;
  const sourceError = (message: string) => ApplicationFailure.nonRetryable(message, options.errorType ?? ErrorType.DatasetSource);
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

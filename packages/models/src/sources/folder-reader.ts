import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorType } from '@anneal/contracts';
import { resolveDataPath } from '@anneal/dataset';
import { sourceError, type ModelFileReader } from './read-layers-model';

/** Files beside model.json, each confined to the data roots as dataset files are. */
export function folderReader(folder: string, roots: readonly string[]): ModelFileReader {
  return async (rel) => {
    const shown = join(folder, rel);
    const path = await resolveDataPath(shown, roots, { errorType: ErrorType.ModelSource });
    try {
      return await readFile(path);
    } catch (err) {
      throw sourceError(`${shown}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
}

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { sourceError } from '../source-error';

/**
 * The entry of `folder` (a file, or a folder of images) whose name matches `glob` and was modified last: where new
 * data lands as `incoming/2026-12-05.csv`, a spec names `incoming` and `*.csv` and always reads the latest drop.
 */
export async function newestMatch(folder: string, glob: string, shown: string): Promise<{ path: string; name: string }> {
  if (!(await stat(folder)).isDirectory()) throw sourceError(`${shown}: newest "${glob}" needs a folder to look in`);
  const matches = picomatch(glob, { dot: false });
  const names = (await readdir(folder)).filter((name) => matches(name));
  if (names.length === 0) throw sourceError(`${shown}: nothing matches "${glob}"`);
  const dated = await Promise.all(names.map(async (name) => ({ name, mtime: (await stat(join(folder, name))).mtimeMs })));
  // Ties (the same second on coarse file systems) go to the greatest name, which dated drops sort last.
  const newest = dated.reduce((a, b) => (b.mtime > a.mtime || (b.mtime === a.mtime && b.name > a.name) ? b : a));
  return { path: join(folder, newest.name), name: newest.name };
}

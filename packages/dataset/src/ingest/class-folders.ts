import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { sourceError } from '../source-error';

export interface ClassFiles {
  label: string;
  /** File names in the class folder with one of the extensions, sorted (the read order, so rows are deterministic). */
  names: string[];
}

/**
 * A folder of one sub-folder per class (`<folder>/<class>/<file>`), the layout of image and text folders: the
 * classes in name order, their files of the wanted extensions, and notices for what was left out.
 */
export async function listClassFolders(
  path: string,
  o: { file: string; extensions: readonly string[]; what: string },
): Promise<{ classes: ClassFiles[]; total: number; notices: string[] }> {
  const entries = await readdir(path, { withFileTypes: true });
  const labels = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const example = `${o.file}/<class>/<name>${o.extensions[0] ?? ''}`;
  if (labels.length === 0) throw sourceError(`${o.file}: no class sub-folders; a folder of ${o.what} holds one folder per class (${example})`);
  const strays = entries.filter((e) => !e.isDirectory() && !e.name.startsWith('.')).length;
  const notices = strays > 0 ? [`${strays} file(s) directly in ${o.file} ignored (${o.what} belong in a class folder)`] : [];
  let skipped = 0;
  const classes = await Promise.all(
    labels.map(async (label) => {
      const all = (await readdir(join(path, label))).filter((n) => !n.startsWith('.')).sort();
      const names = all.filter((n) => o.extensions.includes(extname(n).toLowerCase()));
      skipped += all.length - names.length;
      return { label, names };
    }),
  );
  if (skipped > 0) notices.push(`${skipped} other file(s) skipped (only ${o.extensions.join(', ')} are read)`);
  const total = classes.reduce((n, c) => n + c.names.length, 0);
  if (total === 0) throw sourceError(`${o.file}: class folders hold no ${o.extensions.join(' or ')} files`);
  return { classes, total, notices };
}

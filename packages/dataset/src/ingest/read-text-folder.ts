import { join } from 'node:path';
import { TableSchema } from '@anneal/contracts';
import { listClassFolders } from './class-folders';
import { resolveDataPath } from './data-roots';
import type { IngestResult, Progress } from './ingest-result';
import { textChunks } from './read-text';
import { TableIngest } from './table-ingest';

export interface ReadTextFolderOptions {
  /** The folder, already confined to the data roots. */
  path: string;
  file: string;
  name: string;
  /**
   * The folder's table is always `file, label, text`; a schema given for it (to set `text.maxTokens`, or the label's
   * vocabulary) is used, else the default.
   */
  schema?: TableSchema;
  dataRoots: readonly string[];
  keepFeatures: boolean;
  onProgress?: Progress;
}

const DEFAULT_MAX_TOKENS = 256;

/**
 * A folder of one sub-folder per class holding `.txt` files (`<folder>/<class>/<name>.txt`): each file is one row
 * of a table `file, label, text` whose text column is tokenized as a CSV's or JSON Lines' would be, so the
 * validation report, the text models and drift treat it alike. Files must be UTF-8 (an error names the file and
 * line); an empty file is a counted invalid row, named by its path.
 */
export async function readTextFolder(o: ReadTextFolderOptions): Promise<IngestResult> {
  const { classes, total, notices } = await listClassFolders(o.path, { file: o.file, extensions: ['.txt'], what: 'texts' });
  const schema = o.schema ?? defaultSchema();
  const files: string[] = [];
  const table = new TableIngest({
    name: o.name,
    file: o.file,
    header: ['file', 'label', 'text'],
    schema,
    keepFeatures: o.keepFeatures,
    // No cell text means missing here: a text of "NA" is a text.
    missingValues: [''],
    describe: (row) => files[row - 1] ?? `${o.file}:${row}`,
  });
  for (const { label, names } of classes) {
    for (const name of names) {
      o.onProgress?.({ done: files.length, total, unit: 'files' });
      const shown = `${o.file}/${label}/${name}`;
      const real = await resolveDataPath(join(o.path, label, name), o.dataRoots, { shown });
      let text = '';
      for await (const chunk of textChunks(real, shown)) text += chunk;
      files.push(shown);
      table.push([`${label}/${name}`, label, text], files.length);
    }
  }
  o.onProgress?.({ done: total, total, unit: 'files' });
  const read = table.finish();
  return { ...read, notices: [...notices, ...read.notices] };
}

function defaultSchema(): TableSchema {
  return TableSchema.parse({
    columns: [
      { name: 'file', type: 'string' },
      { name: 'label', type: 'category' },
      { name: 'text', type: 'string' },
    ],
    text: { column: 'text', maxTokens: DEFAULT_MAX_TOKENS },
  });
}

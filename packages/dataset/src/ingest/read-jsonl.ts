import type { TableSchema } from '@anneal/contracts';
import { sourceError } from '../source-error';
import { wholeRow } from '../features/descriptor';
import { DatasetCollector } from './collector';
import type { IngestResult } from './ingest-result';
import { textChunks } from './read-text';
import { TableIngest } from './table-ingest';

export interface ReadJsonlOptions {
  path: string;
  file: string;
  name: string;
  schema?: TableSchema;
  /** Cell texts read as missing (default: pandas' set). */
  missingValues?: readonly string[];
  /** See TableIngestOptions.unlabelled. */
  unlabelled?: boolean;
  keepFeatures: boolean;
  onBytes?: (bytes: number) => void;
}

/**
 * JSON Lines, one object per line, in either of two shapes (decided by the first row):
 * `{"features": number[], "label": ...}` vectors, or flat objects read as a table with a schema.
 */
export async function readJsonl(options: ReadJsonlOptions): Promise<IngestResult> {
  const { file } = options;
  let reader: VectorRows | TableRows | undefined;
  let line = 0;
  let rest = '';
  const take = (text: string) => {
    line++;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw sourceError(`${file}:${line}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw sourceError(`${file}:${line}: expected a JSON object, found ${JSON.stringify(value).slice(0, 40)}`);
    }
    const row = value as Record<string, unknown>;
    reader ??= Array.isArray(row.features) ? new VectorRows(options, row.features.length) : new TableRows(options, Object.keys(row));
    reader.push(row, line);
  };
  for await (const chunk of textChunks(options.path, file, { onBytes: options.onBytes })) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) take(l.endsWith('\r') ? l.slice(0, -1) : l);
  }
  if (rest !== '') take(rest);
  if (!reader) throw sourceError(`${file}: empty file, no rows`);
  return reader.finish();
}

/** `{"features": [...], "label": ...}` rows: the vector's length is fixed by the first row. */
class VectorRows {
  private readonly collector: DatasetCollector;
  private readonly values: Float32Array;

  constructor(
    private readonly options: ReadJsonlOptions,
    width: number,
  ) {
    if (width === 0) throw sourceError(`${options.file}:1: field "features" is an empty array`);
    this.values = new Float32Array(width);
    this.collector = new DatasetCollector({
      name: options.name,
      descriptor: wholeRow('vector', [width]),
      keepFeatures: options.keepFeatures,
      describe: (at) => `${options.file}:${at}`,
    });
  }

  push(row: Record<string, unknown>, line: number): void {
    const at = `${this.options.file}:${line}`;
    const { features, label } = row;
    if (!Array.isArray(features) || features.length !== this.values.length) {
      const found = Array.isArray(features) ? `${features.length} values` : (JSON.stringify(features)?.slice(0, 40) ?? 'nothing');
      this.collector.addInvalid({ at, field: 'features', expected: `${this.values.length} values, as on the first row`, found });
      return;
    }
    for (let i = 0; i < features.length; i++) {
      const v: unknown = features[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        this.collector.addInvalid({ at, field: `features[${i}]`, expected: 'a finite number', found: JSON.stringify(v) ?? 'nothing' });
        return;
      }
      this.values[i] = v;
    }
    if (typeof label !== 'string' && typeof label !== 'number') {
      this.collector.addInvalid({ at, field: 'label', expected: 'a string or number', found: JSON.stringify(label) ?? 'nothing' });
      return;
    }
    this.collector.addRow(this.values, String(label), line);
  }

  finish(): IngestResult {
    return { ...this.collector.finish(), columns: [], notices: [] };
  }
}

/** Flat objects: the first row's keys are the header; the table schema checks every value. */
class TableRows {
  private readonly table: TableIngest;

  constructor(
    options: ReadJsonlOptions,
    private readonly keys: string[],
  ) {
    this.table = new TableIngest({
      name: options.name,
      file: options.file,
      header: keys,
      schema: options.schema,
      keepFeatures: options.keepFeatures,
      missingValues: options.missingValues,
      unlabelled: options.unlabelled,
    });
  }

  push(row: Record<string, unknown>, line: number): void {
    this.table.push(
      this.keys.map((k) => row[k]),
      line,
    );
  }

  finish(): IngestResult {
    return this.table.finish();
  }
}

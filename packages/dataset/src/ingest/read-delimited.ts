import { Readable } from 'node:stream';
import Papa from 'papaparse';
import type { TableSchema } from '@anneal/contracts';
import { sourceError } from '../source-error';
import type { IngestResult } from './ingest-result';
import { textChunks } from './read-text';
import { TableIngest } from './table-ingest';

export interface DelimitedOptions {
  path: string;
  /** How the file is named in messages. */
  file: string;
  name: string;
  delimiter: ',' | '\t';
  schema?: TableSchema;
  schemaInferred?: boolean;
  keepFeatures: boolean;
  /** Cell texts read as missing (default: pandas' set). */
  missingValues?: readonly string[];
  /** See TableIngestOptions.unlabelled. */
  unlabelled?: boolean;
  /** Called as bytes are read (not passed to worker threads: they report through messages). */
  onBytes?: (bytes: number) => void;
}

/** A byte range of the file, cut at line starts. With `header`, the range holds data lines only. */
export interface RangeOptions extends DelimitedOptions {
  start?: number;
  end?: number;
  /** Line number of the range's first line. */
  firstLine?: number;
  header?: string[];
}

const OTHER_DELIMITERS = [';', '\t', '|', ','];

/** Streams a CSV or TSV file through papaparse, a chunk at a time; the header is line 1. */
export async function readDelimited(options: DelimitedOptions): Promise<IngestResult> {
  const { ingest, dataLines } = await parseRange(options);
  if (!ingest) throw sourceError(`${options.file}: empty file, no header and no rows`);
  if (dataLines === 0) throw sourceError(`${options.file}: header only, no data rows`);
  return ingest.finish();
}

/** Parses one range into a TableIngest (not finished, so parts of a file can be merged). */
export function parseRange(options: RangeOptions): Promise<{ ingest: TableIngest | undefined; dataLines: number }> {
  const { file } = options;
  return new Promise((resolve, reject) => {
    let ingest = options.header ? newIngest(options, options.header) : undefined;
    let line = (options.firstLine ?? 1) - 1;
    let dataLines = 0;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      text.destroy();
      reject(err);
    };
    const text = Readable.from(
      textChunks(options.path, file, { start: options.start, end: options.end, firstLine: options.firstLine, onBytes: options.onBytes }),
    ).on('error', fail);
    Papa.parse<string[]>(text as unknown as File, {
      delimiter: options.delimiter,
      skipEmptyLines: false,
      chunk(results, parser) {
        if (failed) return;
        try {
          const quoteError = results.errors.find((e) => e.type === 'Quotes');
          if (quoteError) {
            const why = quoteError.code === 'MissingQuotes' ? 'a quoted field is never closed' : 'a quoted field has text after its closing quote';
            throw sourceError(`${file}: line ${line + (quoteError.row ?? 0) + 1}: ${why}`);
          }
          for (const cells of results.data) {
            line++;
            if (cells.length === 1 && cells[0] === '') continue;
            if (!ingest) ingest = newIngest(options, headerOf(cells, options));
            else {
              dataLines++;
              ingest.push(cells, line);
            }
          }
        } catch (err) {
          // fail first: abort() calls complete() at once.
          fail(err);
          parser.abort();
        }
      },
      complete() {
        if (!failed) resolve({ ingest, dataLines });
      },
      error(err: Error) {
        fail(err);
      },
    });
  });
}

function newIngest(options: RangeOptions, header: string[]): TableIngest {
  return new TableIngest({
    name: options.name,
    file: options.file,
    header,
    schema: options.schema,
    schemaInferred: options.schemaInferred,
    keepFeatures: options.keepFeatures,
    missingValues: options.missingValues,
    unlabelled: options.unlabelled,
  });
}

/** The header's column names; a one-column header holding another delimiter is a wrong-delimiter error. */
export function headerOf(cells: string[], options: Pick<DelimitedOptions, 'delimiter' | 'file'>): string[] {
  const names = cells.map((c) => c.trim());
  if (names.length === 1) {
    const other = OTHER_DELIMITERS.find((d) => d !== options.delimiter && (names[0] as string).includes(d));
    if (other) {
      const shown = other === '\t' ? 'tab' : `"${other}"`;
      throw sourceError(
        `${options.file}: line 1: the header is one column "${names[0]}"; it looks ${shown}-delimited, expected "${options.delimiter === '\t' ? 'tab' : options.delimiter}" (use format ${other === '\t' ? 'tsv' : 'csv'} or fix the delimiter)`,
      );
    }
  }
  return names;
}

import { Readable } from 'node:stream';
import Papa from 'papaparse';
import type { TableSchema } from '@anneal/contracts';
import { sourceError } from '../source-error';
import type { IngestResult } from './ingest-result';
import { textChunks } from './read-text';
import { TableIngest } from './table-ingest';

export interface ReadDelimitedOptions {
  path: string;
  /** How the file is named in messages. */
  file: string;
  name: string;
  delimiter: ',' | '\t';
  schema?: TableSchema;
  keepFeatures: boolean;
}

const OTHER_DELIMITERS = [';', '\t', '|', ','];

/** Streams a CSV or TSV file through papaparse, a chunk at a time; the header is line 1. */
export function readDelimited(options: ReadDelimitedOptions): Promise<IngestResult> {
  const { file } = options;
  return new Promise((resolve, reject) => {
    let ingest: TableIngest | undefined;
    let line = 0;
    let dataLines = 0;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      text.destroy();
      reject(err);
    };
    const text = Readable.from(textChunks(options.path, file)).on('error', fail);
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
            if (!ingest) ingest = new TableIngest({ name: options.name, file, header: header(cells, options), schema: options.schema, keepFeatures: options.keepFeatures });
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
        if (failed) return;
        try {
          if (!ingest) throw sourceError(`${file}: empty file, no header and no rows`);
          if (dataLines === 0) throw sourceError(`${file}: header only, no data rows`);
          resolve(ingest.finish());
        } catch (err) {
          fail(err);
        }
      },
      error(err: Error) {
        fail(err);
      },
    });
  });
}

function header(cells: string[], options: ReadDelimitedOptions): string[] {
  const names = cells.map((c) => c.trim());
  if (names.length === 1) {
    const other = OTHER_DELIMITERS.find((d) => d !== options.delimiter && (names[0] as string).includes(d));
    if (other) {
      const shown = other === '\t' ? 'tab' : `"${other}"`;
      throw sourceError(`${options.file}: line 1: the header is one column "${names[0]}"; it looks ${shown}-delimited, expected "${options.delimiter === '\t' ? 'tab' : options.delimiter}" (use format ${other === '\t' ? 'tsv' : 'csv'} or fix the delimiter)`);
    }
  }
  return names;
}

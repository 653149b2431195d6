import type { DataFormat, DatasetSpec } from '@anneal/contracts';
import type { MlflowClient } from '@anneal/tracking';
import { sourceError } from '../source-error';
import type { IngestResult, Progress } from './ingest-result';
import { readDelimitedParallel, type ParallelOptions } from './read-delimited-parallel';
import { readImages } from './read-images';
import { readJsonl } from './read-jsonl';
import { readTextFolder } from './read-text-folder';

export interface ReadSourceOptions {
  spec: DatasetSpec;
  /** Local folders a file source may read from. */
  dataRoots: readonly string[];
  /** Where remote files are streamed to before parsing (removed afterwards). */
  downloadDir: string;
  /** Needed for `mlflow` sources. */
  mlflow?: MlflowClient;
  /** false: validate only, without keeping the feature values. */
  keepFeatures: boolean;
  /** When large CSV/TSV files are read on several threads. */
  parallel?: ParallelOptions;
  /** Told how far the read has got (for heartbeats and progress bars). */
  onProgress?: Progress;
  /** Rows to score: a table without its label column reads, each row's label '' (see TableIngestOptions). */
  unlabelled?: boolean;
}

/** What a reader gets: the source's options, the local path to read and the name to show in errors. */
export interface ReaderInput extends ReadSourceOptions {
  path: string;
  /** The file or folder as the user named it (a URL without its password, a glob's pick). */
  shown: string;
  /** Counts bytes read, for progress (file readers only). */
  onBytes?: (bytes: number) => void;
}

/** One data format: how it is recognised and read. A new modality is a new entry here (and its name in DataFormat). */
export interface Reader {
  /** true: the source is a folder with one sub-folder per class; false: one file. */
  folder: boolean;
  /** File extensions that mean this format where a spec names none (lower case, with the dot). */
  extensions: readonly string[];
  read(o: ReaderInput): Promise<IngestResult>;
}

const common = (o: ReaderInput) => ({ path: o.path, file: o.shown, name: o.spec.name, keepFeatures: o.keepFeatures, onBytes: o.onBytes });

function delimited(delimiter: ',' | '\t', extensions: readonly string[]): Reader {
  return {
    folder: false,
    extensions,
    read: (o) =>
      readDelimitedParallel({ ...common(o), delimiter, schema: o.spec.schema, missingValues: o.spec.missingValues, unlabelled: o.unlabelled }, o.parallel),
  };
}

/** Every format's reader: a Record, so a format without one does not compile. */
export const READERS: Readonly<Record<DataFormat, Reader>> = {
  csv: delimited(',', ['.csv']),
  tsv: delimited('\t', ['.tsv', '.tab']),
  jsonl: {
    folder: false,
    extensions: ['.jsonl', '.ndjson'],
    read: (o) => readJsonl({ ...common(o), schema: o.spec.schema, missingValues: o.spec.missingValues, unlabelled: o.unlabelled }),
  },
  images: {
    folder: true,
    extensions: [],
    read: (o) => {
      if (!o.spec.image) throw sourceError(`${o.shown}: an image folder needs dataset.image ({ width, height, channels }) to size the images`);
      return readImages({ ...common(o), image: o.spec.image, dataRoots: o.dataRoots, onProgress: o.onProgress });
    },
  },
  text: {
    folder: true,
    extensions: [],
    read: (o) => readTextFolder({ ...common(o), schema: o.spec.schema, dataRoots: o.dataRoots, onProgress: o.onProgress }),
  },
};

/** The format a file's extension names, or undefined. */
export function formatOfExtension(extension: string): DataFormat | undefined {
  const wanted = extension.toLowerCase();
  return (Object.keys(READERS) as DataFormat[]).find((f) => READERS[f].extensions.includes(wanted));
}

/** The formats that read one file (folder: false) or a folder, for error messages: "csv, tsv or jsonl". */
export function formatsReading(o: { folder: boolean; or: 'or' | 'and' }): string {
  const names = (Object.keys(READERS) as DataFormat[]).filter((f) => READERS[f].folder === o.folder);
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} ${o.or} ${names.at(-1) ?? ''}`;
}

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { DataFormat, DatasetSpec } from '@anneal/contracts';
import type { MlflowClient } from '@anneal/tracking';
import { sourceError } from '../source-error';
import { resolveDataPath } from './data-roots';
import { download } from './download';
import { newestMatch } from './newest-match';
import type { IngestResult, Progress } from './ingest-result';
import { readDelimitedParallel, type ParallelOptions } from './read-delimited-parallel';
import { readImages } from './read-images';
import { readJsonl } from './read-jsonl';
import { readTextFolder } from './read-text-folder';
import { readMnist } from './read-mnist';

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

const BY_EXTENSION: Record<string, DataFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** Reads any supported source into rows plus everything the validation report needs about how they were read. */
export async function readSource(options: ReadSourceOptions): Promise<IngestResult> {
  const { spec } = options;
  const source = spec.source;
  if (source.kind === 'mnist') return readMnist(source, { name: spec.name, keepFeatures: options.keepFeatures });
  if (source.kind === 'jsonl' || source.kind === 'file') {
    const named = await resolveDataPath(source.path, options.dataRoots);
    const glob = source.kind === 'file' ? source.newest : undefined;
    const picked = glob ? { ...(await newestMatch(named, glob, source.path)), glob } : undefined;
    const [path, shown] = picked ? [picked.path, join(source.path, picked.name)] : [named, source.path];
    const folder = (await stat(path)).isDirectory();
    const format = source.kind === 'jsonl' ? 'jsonl' : (source.format ?? (folder ? 'images' : formatOf(shown)));
    const folderFormat = format === 'images' || format === 'text';
    if (folder !== folderFormat)
      throw sourceError(`${shown}: ${folder ? 'a folder; formats images and text read folders' : `not a folder; format ${format} wants one folder per class`}`);
    const read = await readFile({ ...options, path, shown, format });
    if (picked) read.notices.push(`read ${shown}, the newest entry of ${source.path} matching "${picked.glob}"`);
    return read;
  }
  const shown = source.kind === 'url' ? redact(source.url) : source.uri;
  const format = source.format ?? formatOf(new URL(source.kind === 'url' ? source.url : `x:/${source.uri.replace(/^[a-z-]+:\/+/, '')}`).pathname);
  await mkdir(options.downloadDir, { recursive: true });
  const dest = join(options.downloadDir, `${createHash('sha256').update(shown).digest('hex').slice(0, 16)}-${randomUUID()}`);
  try {
    if (source.kind === 'url') {
      await download({ url: source.url, shown, dest, maxBytes: source.maxBytes, timeoutMs: source.timeoutMs, retries: source.retries });
    } else {
      if (!options.mlflow) throw sourceError(`${shown}: an mlflow source needs MLFLOW_TRACKING_URI`);
      const { url, headers } = await options.mlflow.artifactDownload(source.uri).catch((err: Error) => {
        throw sourceError(`${shown}: ${err.message}`);
      });
      await download({ url, headers, shown, dest, maxBytes: source.maxBytes, timeoutMs: 60_000, retries: 3 });
    }
    return await readFile({ ...options, path: dest, shown, format });
  } finally {
    await rm(dest, { force: true });
  }
}

async function readFile(o: ReadSourceOptions & { path: string; shown: string; format: DataFormat }): Promise<IngestResult> {
  const report = o.onProgress;
  // Only a caller that shows progress needs the size.
  const total = report && o.format !== 'images' && o.format !== 'text' ? (await stat(o.path)).size : 0;
  let done = 0;
  const onBytes = report && ((n: number) => report({ done: (done += n), total, unit: 'bytes' }));
  const common = { path: o.path, file: o.shown, name: o.spec.name, keepFeatures: o.keepFeatures, onBytes };
  switch (o.format) {
    case 'csv':
    case 'tsv':
      return readDelimitedParallel(
        { ...common, delimiter: o.format === 'csv' ? ',' : '\t', schema: o.spec.schema, missingValues: o.spec.missingValues, unlabelled: o.unlabelled },
        o.parallel,
      );
    case 'jsonl':
      return readJsonl({ ...common, schema: o.spec.schema, missingValues: o.spec.missingValues, unlabelled: o.unlabelled });
    case 'images':
      if (!o.spec.image) throw sourceError(`${o.shown}: an image folder needs dataset.image ({ width, height, channels }) to size the images`);
      return readImages({ ...common, image: o.spec.image, dataRoots: o.dataRoots, onProgress: o.onProgress });
    case 'text':
      return readTextFolder({ ...common, schema: o.spec.schema, dataRoots: o.dataRoots, onProgress: o.onProgress });
  }
}

function formatOf(path: string): DataFormat {
  const format = BY_EXTENSION[extname(path).toLowerCase()];
  if (!format) throw sourceError(`${path}: cannot tell the format from the extension "${extname(path)}"; set format to csv, tsv or jsonl`);
  return format;
}

/** A URL as it may appear in logs: without user:password. */
function redact(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}

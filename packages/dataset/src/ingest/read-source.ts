import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { DataFormat } from '@anneal/contracts';
import { sourceError } from '../source-error';
import { resolveDataPath } from './data-roots';
import { download } from './download';
import { newestMatch } from './newest-match';
import type { IngestResult } from './ingest-result';
import { readMnist } from './read-mnist';
import { formatOfExtension, formatsReading, READERS, type ReadSourceOptions } from './readers';

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
    if (folder !== READERS[format].folder) {
      const folders = formatsReading({ folder: true, or: 'and' });
      throw sourceError(`${shown}: ${folder ? `a folder; formats ${folders} read folders` : `not a folder; format ${format} wants one folder per class`}`);
    }
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
  const reader = READERS[o.format];
  const report = o.onProgress;
  // Only a caller that shows progress needs the size; a folder reader reports its own progress.
  if (!report || reader.folder) return reader.read(o);
  const total = (await stat(o.path)).size;
  let done = 0;
  return reader.read({ ...o, onBytes: (n: number) => report({ done: (done += n), total, unit: 'bytes' }) });
}

function formatOf(path: string): DataFormat {
  const format = formatOfExtension(extname(path));
  if (!format)
    throw sourceError(`${path}: cannot tell the format from the extension "${extname(path)}"; set format to ${formatsReading({ folder: false, or: 'or' })}`);
  return format;
}

/** A URL as it may appear in logs: without user:password. */
function redact(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}

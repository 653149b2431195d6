import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Dataset } from './dataset-format';
import { sourceError } from './source-error';

/** Resolves `path` and refuses anything outside the configured data roots (`../` escapes and symlinks out included). */
export async function resolveDataPath(path: string, dataRoots: readonly string[]): Promise<string> {
  let real: string;
  try {
    real = await realpath(resolve(path));
  } catch {
    throw sourceError(`${path}: no such file`);
  }
  const roots = await Promise.all(dataRoots.map((r) => realpath(resolve(r)).catch(() => resolve(r))));
  const inside = roots.some((root) => {
    const rel = relative(root, real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
  if (!inside) throw sourceError(`${path}: outside the data roots (${dataRoots.join(', ')}); set ANNEAL_DATA_ROOTS to allow it`);
  return real;
}

/** Streams a JSON Lines file of `{"features": number[], "label": ...}` rows. */
export async function readJsonl(options: { path: string; dataRoots: readonly string[]; name: string }): Promise<Dataset> {
  const file = await resolveDataPath(options.path, options.dataRoots);
  if (!(await stat(file)).isFile()) throw sourceError(`${options.path}: not a file`);
  const chunks: Float32Array[] = [];
  const labels: string[] = [];
  let width: number | undefined;
  let lineNo = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const row = parseRow(line, `${options.path}:${lineNo}`);
    if (width === undefined) width = row.features.length;
    if (row.features.length !== width) {
      throw sourceError(`${options.path}:${lineNo}: field "features" has ${row.features.length} values, expected ${width} (as on the first row)`);
    }
    chunks.push(Float32Array.from(row.features));
    labels.push(row.label);
  }
  if (width === undefined) throw sourceError(`${options.path}: empty file, no rows`);
  const features = new Float32Array(labels.length * width);
  chunks.forEach((c, i) => features.set(c, i * width));
  const classes = [...new Set(labels)].sort();
  return { name: options.name, featureShape: [width], classes, features, labels };
}

function parseRow(line: string, where: string): { features: number[]; label: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw sourceError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null) throw sourceError(`${where}: expected an object, found ${JSON.stringify(value)}`);
  const { features, label } = value as { features?: unknown; label?: unknown };
  if (!Array.isArray(features) || features.length === 0) throw sourceError(`${where}: field "features": expected a non-empty array of numbers, found ${JSON.stringify(features)?.slice(0, 40)}`);
  const bad = features.findIndex((f) => typeof f !== 'number' || !Number.isFinite(f));
  if (bad >= 0) throw sourceError(`${where}: field "features[${bad}]": expected a finite number, found ${JSON.stringify(features[bad])}`);
  if (typeof label !== 'string' && typeof label !== 'number') throw sourceError(`${where}: field "label": expected a string or number, found ${JSON.stringify(label)}`);
  return { features: features as number[], label: String(label) };
}

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataFormat, DatasetSpec, parseWithProblems, TableSchema, type DatasetSource } from '@anneal/contracts';
import { readSource, reportToMarkdown, validateDataset } from '@anneal/dataset';
import type { Config } from './config';
import { mlflowOf } from './connect';

export const DATASET_USAGE = `usage: anneal dataset validate <source> [options]
  <source>                a file or folder inside ANNEAL_DATA_ROOTS, an http(s) URL, or runs:/<run id>/<path>
  --schema <file>         a table schema ({ columns, label, group }) or a dataset block
                          ({ schema, classes, minPerClass, image, validation }) as JSON
  --format csv|tsv|jsonl|images    when the extension does not say
  --classes a,b,...       the task's classes (rows with other labels fail)
  --image WxH[xC]         size image folders are resized to (C: 1 or 3 channels)
  --json                  print the report as JSON
exit 0: valid; 1: a check failed (the failing checks on stderr); 2: the source or options are unusable`;

/** A problem with what the user asked for: one line, exit 2. */
export class UsageError extends Error {}

/** `anneal dataset validate`: the pipeline's ingest and validation, without a workflow or a server. */
export async function datasetCommand(config: Config, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { schema: { type: 'string' }, format: { type: 'string' }, classes: { type: 'string' }, image: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [action, location] = positionals;
  if (action !== 'validate' || !location) throw new UsageError(DATASET_USAGE);
  const block = values.schema ? await readSchemaFile(values.schema) : {};
  const parsed = parseWithProblems(DatasetSpec, {
    ...block,
    name: 'cli',
    source: sourceOf(location, values.format),
    ...(values.classes ? { classes: values.classes.split(',').map((c) => c.trim()) } : {}),
    ...(values.image ? { image: imageOf(values.image) } : {}),
  });
  if (!parsed.ok) throw new UsageError(`invalid options: ${parsed.problems.join('; ')}`);
  const spec = parsed.value;
  const bar = process.stderr.isTTY ? readProgressBar() : undefined;
  const ingested = await readSource({
    spec, dataRoots: config.dataRoots, downloadDir: join(config.cacheDir, 'downloads'),
    mlflow: spec.source.kind === 'mlflow' ? mlflowOf(config).mlflow : undefined, keepFeatures: false, onProgress: bar?.update,
  }).finally(() => bar?.done());
  const report = validateDataset(ingested, { source: location, policy: spec.validation, classes: spec.classes, minPerClass: spec.minPerClass });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : reportToMarkdown(report));
  if (!report.passed) process.stderr.write(`validation failed:\n${report.failures.map((f) => `  ${f}`).join('\n')}\n`);
  return report.passed ? 0 : 1;
}

export function sourceOf(location: string, format: string | undefined): DatasetSource | Record<string, unknown> {
  if (format !== undefined && !DataFormat.safeParse(format).success) throw new UsageError(`--format: expected csv, tsv, jsonl or images, found ${format}`);
  const withFormat = format ? { format } : {};
  if (/^https?:\/\//.test(location)) return { kind: 'url', url: location, ...withFormat };
  if (/^(runs|mlflow-artifacts):\//.test(location)) return { kind: 'mlflow', uri: location, ...withFormat };
  return { kind: 'file', path: resolve(location), ...withFormat };
}

function imageOf(text: string): { width: number; height: number; channels: number } {
  const m = /^(\d+)x(\d+)(?:x(\d))?$/.exec(text);
  if (!m) throw new UsageError(`--image: expected WxH or WxHxC (e.g. 28x28x1), found ${text}`);
  return { width: Number(m[1]), height: Number(m[2]), channels: Number(m[3] ?? 1) };
}

async function readSchemaFile(path: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--schema ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(err as Error).message})`}`);
  }
  if (typeof value !== 'object' || value === null) throw new UsageError(`--schema ${path}: expected a JSON object`);
  if (!('columns' in value)) return value as Record<string, unknown>;
  const schema = parseWithProblems(TableSchema, value);
  if (!schema.ok) throw new UsageError(`--schema ${path}: ${schema.problems.join('; ')}`);
  return { schema: schema.value };
}

/** A bar on stderr for a terminal, redrawn at most ten times a second. */
function readProgressBar() {
  const WIDTH = 24;
  let last = 0;
  let drawn = false;
  return {
    update(p: { done: number; total: number; unit: 'bytes' | 'files' }): void {
      const now = Date.now();
      if (now - last < 100 || p.total === 0) return;
      last = now;
      drawn = true;
      const share = Math.min(1, p.done / p.total);
      const filled = Math.round(share * WIDTH);
      const amount = p.unit === 'bytes' ? `${(p.done / 2 ** 20).toFixed(0)}/${(p.total / 2 ** 20).toFixed(0)} MB` : `${p.done}/${p.total} files`;
      process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(share * 100).toFixed(0)}% ${amount}\x1b[K`);
    },
    done(): void {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}

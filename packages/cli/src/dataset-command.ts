import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { DataFormat, DatasetSpec, parseWithProblems, TableSchema, type DatasetSource } from '@anneal/contracts';
import { readSource, reportToMarkdown, validateDataset } from '@anneal/dataset';
import { UsageError, type Cli } from './cli-context';
import type { Config } from './config';
import { mlflowOf } from './connect';
import { progressDisplay, readProgress } from './progress';

export interface ValidateOptions {
  schema?: string;
  format?: string;
  classes?: string;
  image?: string;
  json: boolean;
}

export function registerDatasetCommands(program: Command, cli: Cli): void {
  const dataset = program.command('dataset').description('datasets, without a workflow or a server');
  dataset
    .command('validate')
    .description("read and validate a dataset the way the pipeline's ingest does; the report on stdout")
    .argument('<source>', 'a file or folder inside ANNEAL_DATA_ROOTS, an http(s) URL, or runs:/<run id>/<path>')
    .option('--schema <file>', 'a table schema ({ columns, label, group }) or a dataset block ({ schema, classes, minPerClass, image, validation }) as JSON')
    .addOption(new Option('--format <format>', 'when the extension does not say').choices(DataFormat.options))
    .option('--classes <a,b,...>', "the task's classes (rows with other labels fail)")
    .option('--image <WxH[xC]>', 'the size image folders are resized to (C: 1 or 3 channels)')
    .option('--json', 'print the report as JSON', false)
    .addHelpText('after', '\nexit 0: valid; 1: a check failed (the failing checks on stderr); 2: the source or options are unusable')
    .action(cli.action((location: string, o: ValidateOptions) => validateDatasetCommand(cli.config, location, o)));
}

/** `anneal dataset validate`: the pipeline's ingest and validation, without a workflow or a server. */
export async function validateDatasetCommand(config: Config, location: string, values: ValidateOptions): Promise<number> {
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
  const progress = progressDisplay({ interactive: process.stderr.isTTY === true });
  const ingested = await readSource({
    spec,
    dataRoots: config.dataRoots,
    downloadDir: join(config.cacheDir, 'downloads'),
    mlflow: spec.source.kind === 'mlflow' ? mlflowOf(config).mlflow : undefined,
    // Rows are not kept, except a text table's token ids (a few MB): its lengths and near-duplicates are read off them.
    keepFeatures: spec.schema?.text !== undefined,
    onProgress: (p) => progress.update(readProgress(p)),
  }).finally(() => progress.stop());
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
    throw new UsageError(
      `--schema ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(err as Error).message})`}`,
    );
  }
  if (typeof value !== 'object' || value === null) throw new UsageError(`--schema ${path}: expected a JSON object`);
  if (!('columns' in value)) return value as Record<string, unknown>;
  const schema = parseWithProblems(TableSchema, value);
  if (!schema.ok) throw new UsageError(`--schema ${path}: ${schema.problems.join('; ')}`);
  return { schema: schema.value };
}

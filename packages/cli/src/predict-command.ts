import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { DataFormat, parseModelsUri } from '@anneal/contracts';
import { formatPredictions, predictBatch } from '@anneal/evaluate';
import { resolveBackend } from '@anneal/models';
import { UsageError, type Cli } from './cli-context';
import type { Config } from './config';
import { mlflowOf } from './connect';
import { sourceOf } from './dataset-command';

interface PredictOptions {
  out?: string;
  format?: 'csv' | 'jsonl';
  input?: string;
  label?: string;
}

export function registerPredictCommand(program: Command, cli: Cli): void {
  program
    .command('predict')
    .description('batch predictions of a registered model, its preprocessing included, with class probabilities')
    .argument('<model>', 'models:/<name>@<alias> or models:/<name>/<version>')
    .argument(
      '<dataset>',
      'a CSV, TSV or JSONL table with the feature columns the model was trained on, or an image folder (a folder per class); a file inside ANNEAL_DATA_ROOTS, a URL or runs:/<run id>/<path>',
    )
    .option('--out <file>', 'write the predictions here (.csv or .jsonl) instead of stdout')
    .addOption(new Option('--format <format>', 'the output format (default: from --out, else csv)').choices(['csv', 'jsonl']))
    .addOption(new Option('--input <format>', "the dataset's format when the extension does not say").choices(DataFormat.options))
    .option('--label <column>', "a table's label column: the predictions carry it and the accuracy is printed")
    .addHelpText(
      'after',
      `
In a workflow: the batchPredict workflow (temporal workflow start --type batchPredict --task-queue anneal --input
'{"name":"scoring","model":"models:/digits-5-9@champion","source":{"kind":"file","path":"..."}}') or the scoreBatch activity.`,
    )
    .action(cli.action((model: string, dataset: string, o: PredictOptions) => predict(cli.config, model, dataset, o)));
}

async function predict(config: Config, model: string, dataset: string, o: PredictOptions): Promise<number> {
  const format = o.format ?? (o.out?.endsWith('.jsonl') ? 'jsonl' : 'csv');
  if (!parseModelsUri(model)) throw new UsageError(`<model>: expected models:/<name>@<alias> or models:/<name>/<version>, found ${model}`);
  await resolveBackend('auto');
  const p = await predictBatch(
    { ...mlflowOf(config), dataRoots: config.dataRoots, downloadDir: join(config.cacheDir, 'downloads') },
    {
      model,
      source: sourceOf(dataset, o.input) as never,
      ...(o.label ? { labelColumn: o.label } : {}),
    },
  );
  const text = formatPredictions(p, format);
  if (o.out) await writeFile(o.out, text);
  else process.stdout.write(text);
  const summary = [
    `${p.rows.length} rows scored by ${p.model.name} v${p.model.version}`,
    ...(p.accuracy === undefined ? [] : [`accuracy ${p.accuracy.toFixed(4)}`]),
    ...(p.invalidRows ? [`${p.invalidRows} invalid rows not scored (${p.invalidExamples.slice(0, 3).join('; ')})`] : []),
    ...(o.out ? [`written to ${o.out}`] : []),
  ];
  process.stderr.write(`${summary.join('; ')}\n`);
  return 0;
}

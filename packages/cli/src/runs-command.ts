import type { Command } from 'commander';
import { z } from 'zod';
import type { MlflowClient, Run } from '@anneal/tracking';
import { say, type Cli } from './cli-context';
import { mlflowOf } from './connect';

const ExperimentList = z.object({ experiments: z.array(z.object({ experiment_id: z.string(), name: z.string() })).default([]) });

export interface PipelineRunRow {
  started: string;
  pipeline: string;
  type: string;
  status: string;
  seconds: number | undefined;
  testAccuracy: number | undefined;
  testMacroF1: number | undefined;
  testRocAuc: number | undefined;
  outcome: string;
  workflowId: string;
  runId: string;
}

export function registerRunsCommand(program: Command, cli: Cli): void {
  program
    .command('runs')
    .description('pipeline runs with their figures, newest first (from MLflow)')
    .argument('[pipeline]', "a pipeline's name (its spec's name, the MLflow experiment); every pipeline when absent")
    .option('--limit <n>', 'at most this many runs', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print the runs as JSON', false)
    .action(
      cli.action(async (pipeline: string | undefined, o: { limit: number; json: boolean }) => {
        const rows = await pipelineRuns(mlflowOf(cli.config).mlflow, { pipeline, limit: o.limit });
        if (o.json) say(JSON.stringify(rows, null, 2));
        else say(rows.length === 0 ? `no pipeline runs${pipeline ? ` of ${pipeline}` : ''} in ${cli.config.MLFLOW_TRACKING_URI}` : formatRuns(rows));
      }),
    );
}

/** The pipeline runs (fineTune and pretrain workflows' top-level runs) of one experiment or of all, newest first. */
export async function pipelineRuns(mlflow: MlflowClient, o: { pipeline?: string; limit: number }): Promise<PipelineRunRow[]> {
  const filter = o.pipeline === undefined ? '' : `name = '${o.pipeline.replaceAll("'", "\\'")}'`;
  const { experiments } = await mlflow.call('POST', 'experiments/search', { body: { max_results: 1000, filter }, schema: ExperimentList });
  if (experiments.length === 0) return [];
  const names = new Map(experiments.map((e) => [e.experiment_id, e.name]));
  const runs = await mlflow.searchRuns({
    experimentIds: [...names.keys()],
    filter: "tags.`anneal.workflowType` LIKE '%'",
    maxResults: o.limit,
    orderBy: ['attributes.start_time DESC'],
  });
  return runs.slice(0, o.limit).map((run) => rowOf(run, names.get(run.info.experiment_id) ?? run.info.experiment_id));
}

function rowOf(run: Run, pipeline: string): PipelineRunRow {
  const tag = (key: string) => run.data.tags.find((t) => t.key === key)?.value;
  const metric = (key: string) => run.data.metrics.find((m) => m.key === key)?.value;
  const end = Number(run.info.end_time ?? 0);
  const start = Number(run.info.start_time);
  return {
    started: new Date(start).toISOString(),
    pipeline,
    type: tag('anneal.workflowType') ?? '',
    status: run.info.status,
    seconds: end > 0 ? Math.round((end - start) / 1000) : undefined,
    testAccuracy: metric('test_accuracy'),
    testMacroF1: metric('test_macro_f1'),
    testRocAuc: metric('test_roc_auc_macro'),
    outcome: tag('anneal.skipped') ?? tag('anneal.promotion') ?? '',
    workflowId: tag('temporal.workflowId') ?? '',
    runId: run.info.run_id,
  };
}

export function formatRuns(rows: PipelineRunRow[]): string {
  const fixed = (x: number | undefined, digits: number) => (x === undefined ? '-' : x.toFixed(digits));
  const header = ['started', 'pipeline', 'type', 'status', 'time', 'test acc', 'test F1', 'test AUC', 'outcome', 'workflow'];
  const cells = rows.map((r) => [
    r.started.replace('T', ' ').slice(0, 19),
    r.pipeline,
    r.type,
    r.status,
    r.seconds === undefined ? '-' : `${r.seconds} s`,
    fixed(r.testAccuracy, 4),
    fixed(r.testMacroF1, 4),
    fixed(r.testRocAuc, 4),
    r.outcome.length > 48 ? `${r.outcome.slice(0, 47)}…` : r.outcome,
    r.workflowId,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

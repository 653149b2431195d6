import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { CPU_TASK_QUEUE, DataFormat, DatasetSpec, parseWithProblems } from '@anneal/contracts';
import { readSource } from '@anneal/dataset';
import { UsageError, say, type Cli } from './cli-context';
import type { Config } from './config';
import { mlflowOf, withClient } from './connect';
import { sourceOf } from './dataset-command';
import { onlyOnNewData, readFineTuneSpec } from './spec-file';

export interface DataArrived {
  specPath: string;
  source?: string;
  format?: string;
}

export interface ArrivedOutcome {
  workflowId: string;
  contentDigest: string;
  /** `started`: a new retrain; `signalled`: it was running; `done`: this data was retrained on already. */
  outcome: 'started' | 'signalled' | 'done';
}

/** One retrain per model and content digest, by signal-with-start under a workflow id made of both. */
export async function dataArrived(client: Client, config: Config, o: DataArrived): Promise<ArrivedOutcome> {
  const { raw, spec } = await readFineTuneSpec(o.specPath);
  const source = o.source ? sourceOf(o.source, o.format) : spec.dataset.source;
  const dataset = parseWithProblems(DatasetSpec, { ...(raw.dataset as object), source });
  if (!dataset.ok) throw new UsageError(`--source: ${dataset.problems.join('; ')}`);
  const read = await readSource({
    spec: dataset.value,
    dataRoots: config.dataRoots,
    downloadDir: join(config.cacheDir, 'downloads'),
    mlflow: dataset.value.source.kind === 'mlflow' ? mlflowOf(config).mlflow : undefined,
    keepFeatures: false,
  });
  const contentDigest = read.rowStats.contentDigest;
  const workflowId = `retrain-${spec.register.name}-${contentDigest.slice(0, 16)}`;
  const args = [onlyOnNewData({ ...raw, dataset: { ...(raw.dataset as object), source } })];
  const handle = client.workflow.getHandle(workflowId);
  const running = await handle.describe().then(
    (d) => d.status.name === 'RUNNING',
    () => false,
  );
  try {
    await client.workflow.signalWithStart('fineTune', {
      workflowId,
      taskQueue: CPU_TASK_QUEUE,
      args,
      signal: 'dataArrived',
      signalArgs: [{ contentDigest, source: JSON.stringify(source) }],
      // A completed retrain of this digest is not repeated (within the namespace's retention; the champion's digest
      // guards after that); one that failed or was terminated may run again.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, contentDigest, outcome: 'done' };
    throw err;
  }
  return { workflowId, contentDigest, outcome: running ? 'signalled' : 'started' };
}

/** `anneal data arrived`. */
export function registerDataCommands(program: Command, cli: Cli): void {
  program
    .command('data')
    .description('tell Anneal about new data')
    .command('arrived')
    .description("start the retrain of the spec's model on this data, once per content digest (signal-with-start)")
    .argument('<spec>', 'a fineTune spec file')
    .option('--source <path-or-url>', "a file, folder or URL that replaces the spec's source")
    .addOption(new Option('--format <format>', 'when the extension does not say').choices(DataFormat.options))
    .addHelpText(
      'after',
      `
The data is read here; its order-independent digest names the workflow (retrain-<model>-<digest>), and a second
notification for the same rows signals that workflow (or finds it done) instead of starting another. The client call:
client.workflow.signalWithStart('fineTune', { workflowId, signal: 'dataArrived', ... })`,
    )
    .action(
      cli.action((specPath: string, o: { source?: string; format?: string }) =>
        withClient(cli.config, async (client) => {
          const r = await dataArrived(client, cli.config, { specPath, ...o });
          const what = {
            started: 'started the retrain',
            signalled: 'the retrain of this data is running; signalled it',
            done: 'this data was retrained on already by',
          }[r.outcome];
          say(`${what} ${r.workflowId} (content digest ${r.contentDigest.slice(0, 12)})`);
        }),
      ),
    );
}

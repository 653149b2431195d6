import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { CPU_TASK_QUEUE, DatasetSpec, parseWithProblems } from '@anneal/contracts';
import { readSource } from '@anneal/dataset';
import type { Config } from './config';
import { connectClient, mlflowOf } from './connect';
import { UsageError, sourceOf } from './dataset-command';
import { onlyOnNewData, readFineTuneSpec } from './spec-file';

export const DATA_USAGE = `usage: anneal data arrived <spec.json> [--source <file, folder or URL>] [--format csv|tsv|jsonl|images]
  Starts the retrain of the spec's model on this data, once per content digest: the data is read here, its
  order-independent digest names the workflow (retrain-<model>-<digest>), and a second notification for the same
  rows signals that workflow (or finds it done) instead of starting another. --source replaces the spec's source.
  The client call it makes: client.workflow.signalWithStart('fineTune', { workflowId, signal: 'dataArrived', ... })`;

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
    spec: dataset.value, dataRoots: config.dataRoots, downloadDir: join(config.cacheDir, 'downloads'),
    mlflow: dataset.value.source.kind === 'mlflow' ? mlflowOf(config).mlflow : undefined, keepFeatures: false,
  });
  const contentDigest = read.rowStats.contentDigest;
  const workflowId = `retrain-${spec.register.name}-${contentDigest.slice(0, 16)}`;
  const args = [onlyOnNewData({ ...raw, dataset: { ...(raw.dataset as object), source } })];
  const handle = client.workflow.getHandle(workflowId);
  const running = await handle.describe().then((d) => d.status.name === 'RUNNING', () => false);
  try {
    await client.workflow.signalWithStart('fineTune', {
      workflowId, taskQueue: CPU_TASK_QUEUE, args, signal: 'dataArrived', signalArgs: [{ contentDigest, source: JSON.stringify(source) }],
      // A completed retrain of this digest is not repeated (within the namespace's retention; the champion's digest
      // guards after that); one that failed or was terminated may run again.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY', workflowIdConflictPolicy: 'USE_EXISTING',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, contentDigest, outcome: 'done' };
    throw err;
  }
  return { workflowId, contentDigest, outcome: running ? 'signalled' : 'started' };
}

/** `anneal data arrived`. */
export async function dataCommand(config: Config, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { source: { type: 'string' }, format: { type: 'string' } } });
  const [action, specPath] = positionals;
  if (action !== 'arrived' || !specPath) throw new UsageError(DATA_USAGE);
  const client = await connectClient(config);
  try {
    const r = await dataArrived(client, config, { specPath, source: values.source, format: values.format });
    const what = { started: 'started the retrain', signalled: 'the retrain of this data is running; signalled it', done: 'this data was retrained on already by' }[r.outcome];
    process.stdout.write(`${what} ${r.workflowId} (content digest ${r.contentDigest.slice(0, 12)})\n`);
    return 0;
  } finally {
    await client.connection.close();
  }
}

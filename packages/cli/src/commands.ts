import { join } from 'node:path';
import { resolveBackend } from '@anneal/models';
import { ModelRegistry } from '@anneal/registry';
import { MlflowError, type MlflowClient } from '@anneal/tracking';
import { cpuKernels, describeDevices, loadAddon, tensorflowDevices } from '@anneal/tf-graph';
import { Runtime, type Worker } from '@temporalio/worker';
import { UsageError, say } from './cli-context';
import { CliLogger } from './cli-logger';
import type { Config } from './config';
import { connectClient, connectWorker, mlflowOf, withClient } from './connect';
import { downLocalStack, httpOk, portOpen, upLocalStack, type LocalStack } from './local-services';
import { EXAMPLES, venvPath } from './repo-paths';
import { startHealthServer } from './health-server';
import { ensureSearchAttributes } from './search-attributes';
import { readSpecFile } from './spec-file';
import { formatResult } from './format-result';
import { isPipelineType, links, PIPELINE_TYPES, startPipeline, waitForPipeline, type PipelineType, type StartedPipeline } from './start-pipeline';
import { createWorkers, type Queue } from './worker';

export function localStack(config: Config): LocalStack {
  const port = (address: string, fallback: number) => Number(/:(\d+)$/.exec(address)?.[1] ?? fallback);
  return {
    home: config.home,
    venv: venvPath(),
    temporalPort: port(config.TEMPORAL_ADDRESS, 7233),
    temporalUiPort: port(config.TEMPORAL_UI_URL, 8233),
    mlflowPort: port(config.MLFLOW_TRACKING_URI, 5000),
  };
}

export async function up(config: Config): Promise<void> {
  await upLocalStack(localStack(config), say);
  const added = await withClient(config, (client) => ensureSearchAttributes(client.connection.operatorService, config.TEMPORAL_NAMESPACE));
  if (added.length > 0) say(`registered search attributes ${added.join(', ')}`);
  say(`Temporal UI: ${config.TEMPORAL_UI_URL}   MLflow UI: ${config.MLFLOW_TRACKING_URI}`);
}

export function down(config: Config): void {
  downLocalStack(localStack(config), say);
}

export async function runWorkers(config: Config, queues: Queue[]): Promise<{ workers: Worker[]; run: Promise<void> }> {
  const tracking = mlflowOf(config);
  await checkMlflowCredentials(tracking.mlflow);
  const connection = await connectWorker(config);
  const workers = await createWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    ...tracking,
    config,
    queues,
    failpoints: config.ANNEAL_FAILPOINTS,
    ...(config.ANNEAL_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.ANNEAL_WORKFLOW_BUNDLE } } : {}),
  });
  const run = Promise.all(workers.map((w) => w.run())).then(() => connection.close());
  return { workers, run };
}

/**
 * Credentials MLflow refuses would fail every activity of every pipeline: the worker says so once, at start. An
 * MLflow that is down is no reason to refuse to start (activities retry until it is back).
 */
async function checkMlflowCredentials(mlflow: MlflowClient): Promise<void> {
  try {
    await mlflow.checkAccess();
  } catch (err) {
    if (err instanceof MlflowError && (err.status === 401 || err.status === 403)) throw err;
  }
}

/**
 * `anneal worker`: serves until SIGTERM or SIGINT, then shuts down gracefully (polling stops, running activities get
 * the grace time, training checkpoints and hands over); a second signal exits at once.
 */
export async function serveWorkers(config: Config, queues: Queue[], o: { verbose: boolean }): Promise<void> {
  Runtime.install({ shutdownSignals: [], logger: new CliLogger('INFO', o.verbose) });
  const { workers, run } = await runWorkers(config, queues);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    say(`${signal}: shutting down (running activities get ${config.ANNEAL_SHUTDOWN_GRACE_SECONDS} s, then stop; signal again to exit at once)`);
    workers.forEach((w) => w.shutdown());
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
  const health =
    config.ANNEAL_HEALTH_PORT === undefined
      ? undefined
      : await startHealthServer({ workers, port: config.ANNEAL_HEALTH_PORT, host: config.ANNEAL_HEALTH_HOST });
  say(`worker ${workers.map((w) => w.options.identity).join(', ')} polling ${queues.join(' + ')} queue(s) at ${config.TEMPORAL_ADDRESS}`);
  if (health) say(`health: http://${config.ANNEAL_HEALTH_HOST}:${health.port}/livez and /readyz`);
  await run.finally(() => health?.close());
  say('worker stopped');
}

export async function start(
  config: Config,
  options: { specPath: string; type?: PipelineType; wait: boolean; interruptible?: boolean; warmStartFrom?: string },
): Promise<number> {
  // A bad spec is refused before anything connects (and without a server).
  await readSpecFile(options.specPath, options.type);
  const client = await connectClient(config);
  try {
    const started = await startPipeline(client, { ...options, say });
    say(`started ${started.type} ${started.workflowId} (run ${started.runId})`);
    say(`  follow: anneal follow ${started.workflowId}`);
    return options.wait ? await followToTheEnd(config, started, { interruptible: options.interruptible ?? true }) : 0;
  } finally {
    await client.connection.close();
  }
}

/** `anneal follow <workflow id>`: a running (or finished) pipeline's progress and result. */
export async function follow(config: Config, workflowId: string): Promise<number> {
  const client = await connectClient(config);
  try {
    const handle = client.workflow.getHandle(workflowId);
    const { type, runId } = await handle.describe();
    if (!isPipelineType(type)) throw new UsageError(`${workflowId} is a ${type} workflow, not a pipeline (${PIPELINE_TYPES.join(', ')})`);
    const announce = `following ${type} ${workflowId} (Ctrl-C stops following; the pipeline goes on)`;
    return await followToTheEnd(config, { type, workflowId, runId, handle }, { interruptible: true, announce });
  } finally {
    await client.connection.close();
  }
}

/**
 * Progress, then the result and its links. Through a server restart it keeps following; Ctrl-C stops following
 * (the pipeline goes on) and says how to follow it again.
 */
async function followToTheEnd(config: Config, started: StartedPipeline, o: { interruptible: boolean; announce?: string }): Promise<number> {
  const following = new AbortController();
  let interrupted: () => void = () => {};
  const onInterrupt = new Promise<'interrupted'>((r) => (interrupted = () => r('interrupted')));
  if (o.interruptible) process.once('SIGINT', interrupted);
  // Said once Ctrl-C is ours: a user (or a test) who stops on reading it must not kill the process instead.
  if (o.announce) say(o.announce);
  try {
    const result = await Promise.race([
      waitForPipeline(started, {
        interactive: process.stderr.isTTY === true,
        signal: following.signal,
        onServer: (state, err) =>
          say(
            state === 'lost'
              ? `\nlost the Temporal server (${err?.message}); following again when it is back (Ctrl-C stops following)`
              : 'the Temporal server is back',
          ),
      }),
      onInterrupt,
    ]);
    if (result === 'interrupted') {
      following.abort();
      say(`\nstopped following; ${started.workflowId} goes on. Follow it again: anneal follow ${started.workflowId}`);
      return 130;
    }
    say('');
    say(formatResult(result));
    const l = links({
      mlflowUri: config.MLFLOW_TRACKING_URI,
      temporalUi: config.TEMPORAL_UI_URL,
      namespace: config.TEMPORAL_NAMESPACE,
      experimentId: result.experimentId,
      runId: result.pipelineRunId,
      workflowId: started.workflowId,
      workflowRunId: started.runId,
    });
    say('');
    say(`MLflow run:        ${l.mlflow}`);
    say(`Temporal workflow: ${l.temporal}`);
    return 0;
  } finally {
    process.removeListener('SIGINT', interrupted);
  }
}

/** The whole demo on the local stack: services up, a worker in this process, pretrain (once), then fine-tune. */
export async function demo(config: Config, o: { verbose: boolean }): Promise<void> {
  const t0 = Date.now();
  // The demo prints its own progress; the worker's lifecycle lines would bury it.
  Runtime.install({ logger: new CliLogger('WARN', o.verbose) });
  await up(config);
  const { workers, run } = await runWorkers(config, ['cpu', 'gpu']);
  try {
    const base = await new ModelRegistry(mlflowOf(config).mlflow).describeAlias('digits-base', 'base');
    if (base) say(`base model digits-base@base is registered (v${base.version}); skipping pretrain`);
    else {
      say('pretraining the base model on digits 0-4 ...');
      await start(config, { specPath: join(EXAMPLES, 'pretrain-digits-0-4.json'), type: 'pretrain', wait: true, interruptible: false });
    }
    say('\nfine-tuning for digits 5-9 ...');
    await start(config, { specPath: join(EXAMPLES, 'fine-tune-digits-5-9.json'), type: 'fineTune', wait: true, interruptible: false });
    say(`\ndemo finished in ${((Date.now() - t0) / 1000).toFixed(0)} s; services stay up for auditing (npm run down stops them)`);
  } finally {
    workers.forEach((w) => w.shutdown());
    await run;
  }
}

export async function doctor(config: Config): Promise<boolean> {
  const temporalUp = await portOpen(Number(/:(\d+)$/.exec(config.TEMPORAL_ADDRESS)?.[1] ?? 7233), config.TEMPORAL_ADDRESS.split(':')[0]);
  const mlflowUp = await httpOk(`${config.MLFLOW_TRACKING_URI}/health`);
  const checks: [string, boolean | 'warn', string][] = [
    ['temporal', temporalUp, `${config.TEMPORAL_ADDRESS} namespace ${config.TEMPORAL_NAMESPACE}`],
    ['mlflow', mlflowUp, config.MLFLOW_TRACKING_URI],
  ];
  try {
    const b = await resolveBackend(config.ANNEAL_BACKEND);
    checks.push(['tfjs backend', true, `${b.backend} on ${b.device}, ${b.threads} threads${b.skipped.length ? `; skipped ${b.skipped.join('; ')}` : ''}`]);
  } catch (err) {
    checks.push(['tfjs backend', false, (err as Error).message]);
  }
  // Not a failure: without the graph addon, training runs on tfjs's eager loop, only slower.
  const addon = loadAddon();
  checks.push([
    'graph engine',
    addon instanceof Error ? 'warn' : true,
    addon instanceof Error
      ? `${addon.message}; training runs eagerly`
      : `TensorFlow ${addon.tensorflowVersion} C API, one session run per training step; CPU kernels: ${cpuKernels()}`,
  ]);
  const devices = addon instanceof Error ? undefined : tensorflowDevices();
  if (devices) checks.push(['devices', !(devices instanceof Error), devices instanceof Error ? devices.message : describeDevices(devices)]);
  for (const [name, ok, detail] of checks) say(`${ok === 'warn' ? 'warn' : ok ? 'ok  ' : 'FAIL'} ${name.padEnd(13)} ${detail}`);
  return checks.every(([, ok]) => ok !== false);
}

import { join } from 'node:path';
import { resolveBackend } from '@anneal/models';
import { ModelRegistry } from '@anneal/registry';
import { loadAddon } from '@anneal/tf-graph';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { Config } from './config';
import { connectClient, connectWorker, mlflowOf } from './connect';
import { downLocalStack, httpOk, portOpen, upLocalStack, type LocalStack } from './local-services';
import { EXAMPLES, venvPath } from './repo-paths';
import { formatResult, links, startPipeline, waitForPipeline, type PipelineType } from './start-pipeline';
import { createWorkers, type Queue } from './worker';

const say = (line: string) => process.stdout.write(`${line}\n`);

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
  say(`Temporal UI: ${config.TEMPORAL_UI_URL}   MLflow UI: ${config.MLFLOW_TRACKING_URI}`);
}

export function down(config: Config): void {
  downLocalStack(localStack(config), say);
}

export async function runWorkers(config: Config, queues: Queue[]): Promise<{ workers: Worker[]; run: Promise<void> }> {
  const connection = await connectWorker(config);
  const workers = await createWorkers({
    connection, namespace: config.TEMPORAL_NAMESPACE, ...mlflowOf(config), config, queues, failpoints: config.ANNEAL_FAILPOINTS,
    ...(config.ANNEAL_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.ANNEAL_WORKFLOW_BUNDLE } } : {}),
  });
  const run = Promise.all(workers.map((w) => w.run())).then(() => connection.close());
  return { workers, run };
}

/**
 * `anneal worker`: serves until SIGTERM or SIGINT, then shuts down gracefully (polling stops, running activities get
 * the grace time, training checkpoints and hands over); a second signal exits at once.
 */
export async function serveWorkers(config: Config, queues: Queue[]): Promise<void> {
  Runtime.install({ shutdownSignals: [] });
  const { workers, run } = await runWorkers(config, queues);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    say(`${signal}: shutting down (running activities get ${config.ANNEAL_SHUTDOWN_GRACE_SECONDS} s, then stop; signal again to exit at once)`);
    workers.forEach((w) => w.shutdown());
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
  say(`worker ${workers.map((w) => w.options.identity).join(', ')} polling ${queues.join(' + ')} queue(s) at ${config.TEMPORAL_ADDRESS}`);
  await run;
  say('worker stopped');
}

export async function start(config: Config, options: { specPath: string; type?: PipelineType; wait: boolean }): Promise<void> {
  const client = await connectClient(config);
  const started = await startPipeline(client, options);
  say(`started ${started.type} ${started.workflowId} (run ${started.runId})`);
  say(`  follow: temporal workflow describe --workflow-id ${started.workflowId}`);
  if (!options.wait) return;
  const result = await waitForPipeline(started, { interactive: process.stderr.isTTY === true });
  say('');
  say(formatResult(result));
  const l = links({ mlflowUri: config.MLFLOW_TRACKING_URI, temporalUi: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE, experimentId: result.experimentId, runId: result.pipelineRunId, workflowId: started.workflowId, workflowRunId: started.runId });
  say('');
  say(`MLflow run:        ${l.mlflow}`);
  say(`Temporal workflow: ${l.temporal}`);
}

/** The whole demo on the local stack: services up, a worker in this process, pretrain (once), then fine-tune. */
export async function demo(config: Config): Promise<void> {
  const t0 = Date.now();
  // The demo prints its own progress; the worker's lifecycle lines would bury it.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  await up(config);
  const { workers, run } = await runWorkers(config, ['cpu', 'gpu']);
  try {
    const base = await new ModelRegistry(mlflowOf(config).mlflow).describeAlias('digits-base', 'base');
    if (base) say(`base model digits-base@base is registered (v${base.version}); skipping pretrain`);
    else {
      say('pretraining the base model on digits 0-4 ...');
      await start(config, { specPath: join(EXAMPLES, 'pretrain-digits-0-4.json'), type: 'pretrain', wait: true });
    }
    say('\nfine-tuning for digits 5-9 ...');
    await start(config, { specPath: join(EXAMPLES, 'fine-tune-digits-5-9.json'), type: 'fineTune', wait: true });
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
  checks.push(['graph engine', addon instanceof Error ? 'warn' : true, addon instanceof Error ? `${addon.message}; training runs eagerly` : `TensorFlow ${addon.tensorflowVersion} C API, one session run per training step`]);
  for (const [name, ok, detail] of checks) say(`${ok === 'warn' ? 'warn' : ok ? 'ok  ' : 'FAIL'} ${name.padEnd(13)} ${detail}`);
  return checks.every(([, ok]) => ok !== false);
}

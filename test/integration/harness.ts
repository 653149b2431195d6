import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { ArtifactStore, MlflowClient, type Failpoint } from '@anneal/tracking';
import { createWorkers, type Queue } from '../../packages/cli/src/worker';
import { readStackEnv, type TestStack } from './stack-env';

export const REPO_ROOT = join(__dirname, '..', '..');
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');

export interface WorkerOptions {
  failpoints?: Failpoint[];
  /** Folders the worker may read besides the fixtures and examples. */
  dataRoots?: string[];
}

export interface Harness {
  stack: TestStack;
  client: Client;
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  /** Runs `fn` while a worker serves the task queues (both by default) with the real plugins. */
  withWorker<T>(fn: () => Promise<T>, queues?: Queue[], options?: WorkerOptions): Promise<T>;
  close(): Promise<void>;
}

export async function connectHarness(): Promise<Harness> {
  const stack = readStackEnv();
  // Worker lifecycle lines at INFO drown the test report; failures still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  const mlflow = new MlflowClient({ trackingUri: stack.mlflowUri });
  const artifacts = new ArtifactStore({ client: mlflow, cacheDir: join(stack.home, 'cache') });
  return {
    stack,
    client,
    mlflow,
    artifacts,
    async withWorker<T>(fn: () => Promise<T>, queues: Queue[] = ['cpu', 'gpu'], options: WorkerOptions = {}): Promise<T> {
      const workers: Worker[] = await createWorkers({
        connection: nativeConnection,
        namespace: 'default',
        mlflow,
        artifacts,
        queues,
        failpoints: options.failpoints,
        config: { ANNEAL_BACKEND: 'auto', ANNEAL_GPU_SLOTS: 1, dataRoots: [FIXTURES, join(REPO_ROOT, 'examples'), ...(options.dataRoots ?? [])] },
        workflowBundle: { codePath: stack.workflowBundlePath },
      });
      const runs = workers.map((w) => w.run());
      try {
        return await fn();
      } finally {
        workers.forEach((w) => w.shutdown());
        await Promise.all(runs);
      }
    },
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** Runs of an experiment by name, keyed by run name. */
export async function runsByName(mlflow: MlflowClient, experimentId: string) {
  const runs = await mlflow.searchRuns({ experimentIds: [experimentId] });
  return new Map(runs.map((r) => [r.info.run_name ?? '', r]));
}

export function tag(run: { data: { tags: { key: string; value: string }[] } }, key: string): string | undefined {
  return run.data.tags.find((t) => t.key === key)?.value;
}

export function param(run: { data: { params: { key: string; value: string }[] } }, key: string): string | undefined {
  return run.data.params.find((t) => t.key === key)?.value;
}

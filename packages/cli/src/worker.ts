import { join } from 'node:path';
import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { CPU_TASK_QUEUE, GPU_TASK_QUEUE } from '@anneal/contracts';
import { datasetPlugin } from '@anneal/dataset';
import { evaluatePlugin } from '@anneal/evaluate';
import { modelsPlugin } from '@anneal/models';
import { trackingPlugin, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { trainPlugin } from '@anneal/train';
import type { Config } from './config';
import { bundlerOptions, workflowsPath } from './workflow-source';

export type Queue = 'cpu' | 'gpu';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  config: Pick<Config, 'ANNEAL_BACKEND' | 'ANNEAL_GPU_SLOTS' | 'dataRoots'> & Partial<Pick<Config, 'cacheDir'>>;
  queues: Queue[];
  /** A prebuilt bundle (tests bundle once per run); otherwise workflows are bundled from source at start. */
  workflowBundle?: WorkflowBundleOption;
}

/**
 * Workers composed from the activity plugins: the CPU queue runs workflows and CPU activities,
 * the GPU queue runs training with one slot per GPU.
 */
export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const { mlflow, artifacts, config } = setup;
  const backend = config.ANNEAL_BACKEND;
  const workers: Worker[] = [];
  if (setup.queues.includes('cpu')) {
    workers.push(await Worker.create({
      connection: setup.connection,
      namespace: setup.namespace,
      taskQueue: CPU_TASK_QUEUE,
      plugins: [trackingPlugin({ mlflow }), datasetPlugin({ mlflow, artifacts, dataRoots: config.dataRoots, ...(config.cacheDir ? { downloadDir: join(config.cacheDir, 'downloads') } : {}) }), modelsPlugin({ mlflow, artifacts, backend }), evaluatePlugin({ mlflow, artifacts, backend })],
      ...(setup.workflowBundle ? { workflowBundle: setup.workflowBundle } : { workflowsPath: workflowsPath(), bundlerOptions: bundlerOptions() }),
      maxConcurrentActivityTaskExecutions: 2,
    }));
  }
  if (setup.queues.includes('gpu')) {
    workers.push(await Worker.create({
      connection: setup.connection,
      namespace: setup.namespace,
      taskQueue: GPU_TASK_QUEUE,
      plugins: [trainPlugin({ mlflow, artifacts, backend })],
      maxConcurrentActivityTaskExecutions: config.ANNEAL_GPU_SLOTS,
      // Heartbeats carry cancellation back: send them often enough that a cancelled run stops within seconds.
      maxHeartbeatThrottleInterval: '2s',
      defaultHeartbeatThrottleInterval: '2s',
    }));
  }
  return workers;
}

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { CPU_TASK_QUEUE, GPU_TASK_QUEUE } from '@anneal/contracts';
import { datasetPlugin } from '@anneal/dataset';
import { evaluatePlugin, predictPlugin } from '@anneal/evaluate';
import { modelsPlugin } from '@anneal/models';
import { registryPlugin } from '@anneal/registry';
import { activityBoundaryPlugin, trackingPlugin, workerIdentity, type ArtifactStore, type Failpoint, type MlflowClient } from '@anneal/tracking';
import { HEARTBEAT_THROTTLE_MS, trainPlugin } from '@anneal/train';
import type { Config } from './config';
import { ensureSearchAttributes } from './search-attributes';
import { bundlerOptions, workflowsPath } from './workflow-source';

export type Queue = 'cpu' | 'gpu';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  config: Pick<Config, 'ANNEAL_BACKEND' | 'ANNEAL_GPU_SLOTS' | 'dataRoots'> &
    Partial<Pick<Config, 'cacheDir' | 'ANNEAL_SHUTDOWN_GRACE_SECONDS' | 'ANNEAL_SHUTDOWN_FORCE_SECONDS'>>;
  queues: Queue[];
  /** A prebuilt bundle (tests bundle once per run); otherwise workflows are bundled from source at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Faults to inject (fault-injection tests and drills). */
  failpoints?: Failpoint[];
}

/**
 * Workers composed from the activity plugins: the CPU queue runs workflows and CPU activities,
 * the GPU queue runs training with one slot per GPU. Every worker carries the activity boundary (error
 * classification, keep-alive heartbeats) and shuts down gracefully: on a signal it stops polling, gives running
 * activities the grace time to finish, then tells them to stop (training checkpoints and hands over).
 */
export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const { mlflow, artifacts, config } = setup;
  const backend = config.ANNEAL_BACKEND;
  const common = {
    connection: setup.connection,
    namespace: setup.namespace,
    identity: workerIdentity().identity,
    shutdownGraceTime: (config.ANNEAL_SHUTDOWN_GRACE_SECONDS ?? 5) * 1000,
    shutdownForceTime: (config.ANNEAL_SHUTDOWN_FORCE_SECONDS ?? 55) * 1000,
  };
  const downloads = config.cacheDir ? { downloadDir: join(config.cacheDir, 'downloads') } : {};
  const boundary = activityBoundaryPlugin({ failpoints: setup.failpoints ?? [] });
  const workers: Worker[] = [];
  if (setup.queues.includes('cpu')) {
    // The CPU worker runs the workflows, which set these attributes: it makes sure they exist before it polls.
    await ensureSearchAttributes(setup.connection.operatorService, setup.namespace);
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: CPU_TASK_QUEUE,
        plugins: [
          boundary,
          trackingPlugin({ mlflow }),
          datasetPlugin({ mlflow, artifacts, dataRoots: config.dataRoots, ...downloads }),
          modelsPlugin({ mlflow, artifacts, backend, dataRoots: config.dataRoots, ...downloads }),
          evaluatePlugin({ mlflow, artifacts, backend }),
          registryPlugin({ mlflow }),
          predictPlugin({ mlflow, artifacts, backend, dataRoots: config.dataRoots, downloadDir: join(config.cacheDir ?? tmpdir(), 'downloads') }),
        ],
        ...(setup.workflowBundle ? { workflowBundle: setup.workflowBundle } : { workflowsPath: workflowsPath(), bundlerOptions: bundlerOptions() }),
        maxConcurrentActivityTaskExecutions: 2,
      }),
    );
  }
  if (setup.queues.includes('gpu')) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: GPU_TASK_QUEUE,
        plugins: [boundary, trainPlugin({ mlflow, artifacts, backend })],
        maxConcurrentActivityTaskExecutions: config.ANNEAL_GPU_SLOTS,
        // Heartbeats carry cancellation back: send them often enough that a cancelled run stops within seconds.
        maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE_MS,
        defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE_MS,
      }),
    );
  }
  return workers;
}

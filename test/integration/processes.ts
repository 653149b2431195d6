import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Failpoint } from '@anneal/tracking';
import { ensureMlflow, ensureTemporal, portOpen, type LocalStack } from '../../packages/cli/src/local-services';
import { freePort } from './free-port';
import { REPO_ROOT, FIXTURES } from './harness';

export interface WorkerProcess {
  child: ChildProcess;
  /** Temporal's identity of the worker (`pid@host`), as tagged on MLflow runs. */
  identity: string;
  /** Resolves once the worker polls. */
  ready: Promise<void>;
  /** Resolves with the exit code (or the signal) when the process ends. */
  exited: Promise<number | string>;
}

export interface Endpoints {
  temporalAddress: string;
  mlflowUri: string;
  workflowBundlePath: string;
  home: string;
}

/** `anneal worker` in a process of its own, so that it can be killed like a lost machine. */
export function spawnWorker(at: Endpoints, options: { queue: 'cpu' | 'gpu'; failpoints?: Failpoint[]; env?: Record<string, string> }): WorkerProcess {
  const name = `${options.queue}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  const workerHome = join(at.home, 'workers', name);
  mkdirSync(workerHome, { recursive: true });
  const child = spawn(process.execPath, [join(REPO_ROOT, 'packages', 'cli', 'bin', 'anneal.js'), 'worker', '--queue', options.queue], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: at.temporalAddress,
      MLFLOW_TRACKING_URI: at.mlflowUri,
      ANNEAL_HOME: workerHome,
      ANNEAL_WORKFLOW_BUNDLE: at.workflowBundlePath,
      ANNEAL_DATA_ROOTS: FIXTURES,
      ...(options.failpoints ? { ANNEAL_FAILPOINTS: JSON.stringify(options.failpoints) } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Two sources into one file: neither pipe may end it (the first to end would make the other write after end,
  // an error that surfaces in whichever test runs next); the log ends when the process has closed both.
  const log = createWriteStream(join(workerHome, 'worker.log'));
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('close', () => log.end());
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('polling')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code} before polling; see ${join(workerHome, 'worker.log')}`)));
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, identity: `${child.pid}@${hostname()}`, ready, exited };
}

/** A Temporal dev server (on a database file) and an MLflow server of their own, each a process group that can be killed. */
export interface KillableStack extends Endpoints {
  kill(service: 'temporal' | 'mlflow'): Promise<void>;
  restart(service: 'temporal' | 'mlflow'): Promise<void>;
  down(): void;
}

export async function startKillableStack(workflowBundlePath: string, venv: string): Promise<KillableStack> {
  const home = mkdtempSync(join(tmpdir(), 'anneal-faults-'));
  const stack: LocalStack = { home, venv, temporalPort: await freePort(), temporalUiPort: await freePort(), mlflowPort: await freePort() };
  const start = { temporal: () => ensureTemporal(stack, () => {}), mlflow: () => ensureMlflow(stack, () => {}) };
  const port = { temporal: stack.temporalPort, mlflow: stack.mlflowPort };
  await start.temporal();
  await start.mlflow();
  const signal = (service: 'temporal' | 'mlflow', sig: NodeJS.Signals) => {
    try {
      process.kill(-Number(readFileSync(join(home, `${service}.pid`), 'utf8')), sig);
    } catch {
      // already gone
    }
  };
  return {
    temporalAddress: `127.0.0.1:${stack.temporalPort}`,
    mlflowUri: `http://127.0.0.1:${stack.mlflowPort}`,
    workflowBundlePath,
    home,
    async kill(service) {
      signal(service, 'SIGKILL');
      while (await portOpen(port[service])) await sleep(100);
    },
    async restart(service) {
      await start[service]();
    },
    down() {
      signal('temporal', 'SIGTERM');
      signal('mlflow', 'SIGTERM');
    },
  };
}

/** The last heartbeat details the server holds for a workflow's first pending activity (undefined while unreachable). */
export async function pendingActivity(
  client: Client,
  workflowId: string,
): Promise<{ type?: string; attempt: number; identity?: string; details?: Record<string, unknown> } | undefined> {
  const pending = (
    await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined)
  )?.raw.pendingActivities?.[0];
  if (!pending) return undefined;
  const payload = pending.heartbeatDetails?.payloads?.[0];
  return {
    type: pending.activityType?.name ?? undefined,
    attempt: pending.attempt ?? 1,
    identity: pending.lastWorkerIdentity ?? undefined,
    details: payload ? defaultPayloadConverter.fromPayload(payload) : undefined,
  };
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * A workflow's result, read by polling describe/result so that a Temporal server that is down for a while (the
 * client's calls fail with UNAVAILABLE meanwhile) does not end the wait.
 */
export async function resultThroughOutages<T>(client: Client, workflowId: string, timeoutMs: number): Promise<T> {
  const handle = client.workflow.getHandle(workflowId);
  const status = await waitFor(
    `${workflowId} to close`,
    async () => {
      const s = (await handle.describe().catch(() => undefined))?.status.name;
      return s && s !== 'RUNNING' ? s : undefined;
    },
    timeoutMs,
    500,
  );
  if (status !== 'COMPLETED') throw new Error(`${workflowId} ended ${status}`);
  return (await handle.result()) as T;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

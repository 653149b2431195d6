import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export interface LocalStack {
  /** Folder for state, logs and pid files. */
  home: string;
  /** The project's virtual environment with `temporal` and `mlflow`. */
  venv: string;
  temporalPort: number;
  temporalUiPort: number;
  mlflowPort: number;
}

export interface ServiceStatus {
  name: 'temporal' | 'mlflow';
  url: string;
  up: boolean;
  startedHere: boolean;
}

/** Starts the Temporal dev server and the MLflow server on loopback, or reuses them when already up. */
export async function upLocalStack(stack: LocalStack, log: (line: string) => void = () => {}): Promise<ServiceStatus[]> {
  return [await ensureTemporal(stack, log), await ensureMlflow(stack, log)];
}

export function ensureTemporal(stack: LocalStack, log: (line: string) => void): Promise<ServiceStatus> {
  return ensureService(
    stack,
    {
      name: 'temporal',
      url: `127.0.0.1:${stack.temporalPort}`,
      isUp: () => portOpen(stack.temporalPort),
      command: join(stack.venv, 'bin', 'temporal'),
      args: [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(stack.temporalPort),
        '--ui-port',
        String(stack.temporalUiPort),
        '--db-filename',
        join(stack.home, 'temporal.db'),
        '--log-level',
        'warn',
      ],
    },
    log,
  );
}

export function ensureMlflow(stack: LocalStack, log: (line: string) => void): Promise<ServiceStatus> {
  const mlflowDir = join(stack.home, 'mlflow');
  mkdirSync(mlflowDir, { recursive: true });
  return ensureService(
    stack,
    {
      name: 'mlflow',
      url: `http://127.0.0.1:${stack.mlflowPort}`,
      isUp: () => httpOk(`http://127.0.0.1:${stack.mlflowPort}/health`),
      command: join(stack.venv, 'bin', 'mlflow'),
      // --artifacts-destination (not --default-artifact-root): artifacts go through the server, reachable by every worker.
      args: [
        'server',
        '--host',
        '127.0.0.1',
        '--port',
        String(stack.mlflowPort),
        '--workers',
        '1',
        '--backend-store-uri',
        `sqlite:///${join(mlflowDir, 'mlflow.db')}`,
        '--artifacts-destination',
        join(mlflowDir, 'artifacts'),
      ],
    },
    log,
  );
}

/** Stops what `upLocalStack` started (found through its pid files). Services it did not start are left alone. */
export function downLocalStack(stack: Pick<LocalStack, 'home'>, log: (line: string) => void = () => {}): void {
  for (const name of ['temporal', 'mlflow']) {
    const pidFile = join(stack.home, `${name}.pid`);
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      process.kill(-pid, 'SIGTERM'); // the whole process group: mlflow runs uvicorn children
      log(`stopped ${name} (pid ${pid})`);
    } catch {
      log(`${name} (pid ${pid}) was not running`);
    }
    rmSync(pidFile, { force: true });
  }
}

interface ServiceSpec {
  name: ServiceStatus['name'];
  url: string;
  isUp: () => Promise<boolean>;
  command: string;
  args: string[];
}

async function ensureService(stack: LocalStack, spec: ServiceSpec, log: (line: string) => void): Promise<ServiceStatus> {
  if (await spec.isUp()) {
    log(`${spec.name} already up at ${spec.url}`);
    return { name: spec.name, url: spec.url, up: true, startedHere: false };
  }
  if (!existsSync(spec.command)) throw new Error(`${spec.command} is missing: run \`npm run setup\` (bash deploy/local/setup.sh) first`);
  mkdirSync(join(stack.home, 'logs'), { recursive: true });
  const logFile = join(stack.home, 'logs', `${spec.name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(spec.command, spec.args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  writeFileSync(join(stack.home, `${spec.name}.pid`), String(child.pid));
  log(`starting ${spec.name} at ${spec.url} (log: ${logFile})`);
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${spec.name} exited with code ${child.exitCode}; see ${logFile}`);
    if (await spec.isUp()) return { name: spec.name, url: spec.url, up: true, startedHere: true };
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${spec.name} did not come up at ${spec.url} within 180 s; see ${logFile}`);
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpOk } from '../../packages/cli/src/local-services';
import { FIXTURES } from './harness';
import { freePort } from './free-port';

export interface AuthServer {
  uri: string;
  admin: { username: string; password: string };
  /** Creates a user through the admin API and returns its password. */
  createUser(username: string): Promise<string>;
  stop(): void;
}

/**
 * A real `mlflow server --app-name basic-auth` (with the `auth` extra the setup installs) on a free loopback port,
 * its own stores in a temporary folder; bearer tokens from `tokens` map to users (see the fixture's auth function).
 */
export async function startAuthServer(o: { venv: string; tokens: Record<string, string> }): Promise<AuthServer> {
  const dir = mkdtempSync(join(tmpdir(), 'anneal-mlflow-auth-'));
  const admin = { username: 'admin', password: `admin-${Math.random().toString(36).slice(2)}` };
  const ini = join(dir, 'auth.ini');
  writeFileSync(
    ini,
    [
      '[mlflow]',
      'default_permission = READ',
      `database_uri = sqlite:///${join(dir, 'auth.db')}`,
      `admin_username = ${admin.username}`,
      `admin_password = ${admin.password}`,
      'authorization_function = anneal_test_auth:authenticate_basic_or_bearer',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const log = openSync(join(dir, 'mlflow.log'), 'a');
  const args = ['server', '--app-name', 'basic-auth', '--host', '127.0.0.1', '--port', String(port), '--workers', '1'];
  args.push('--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`, '--artifacts-destination', join(dir, 'artifacts'));
  const child: ChildProcess = spawn(join(o.venv, 'bin', 'mlflow'), args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      MLFLOW_AUTH_CONFIG_PATH: ini,
      MLFLOW_FLASK_SERVER_SECRET_KEY: Math.random().toString(36),
      PYTHONPATH: join(FIXTURES, 'mlflow-auth'),
      ANNEAL_TEST_TOKENS: Object.entries(o.tokens)
        .map(([token, user]) => `${token}=${user}`)
        .join(','),
    },
  });
  closeSync(log);
  child.unref();
  const uri = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (!(await httpOk(`${uri}/health`))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the basic-auth MLflow server did not start; see ${join(dir, 'mlflow.log')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
  return {
    uri,
    admin,
    async createUser(username) {
      const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
      const res = await fetch(`${uri}/api/2.0/mlflow/users/create`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (!res.ok) throw new Error(`users/create answered ${res.status}: ${await res.text()}`);
      return password;
    },
    stop() {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    },
  };
}

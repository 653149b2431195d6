import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';

/** What the probes look at: each worker's state (`Worker.getState()`). */
export interface Probed {
  getState(): State;
}

/**
 * The worker's health over HTTP, for container health checks and Kubernetes probes: `/livez` answers 200 while no
 * worker has failed (a failed worker needs a restart), `/readyz` 200 while every worker polls (`RUNNING`); a worker
 * shutting down is alive but not ready. Each answer names the states.
 */
export async function startHealthServer(o: { workers: Probed[]; port: number; host: string }): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const states = o.workers.map((w) => w.getState());
    const ok = req.url === '/livez' ? !states.includes('FAILED') : req.url === '/readyz' ? states.every((s) => s === 'RUNNING') : undefined;
    res.writeHead(ok === undefined ? 404 : ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ok === undefined ? 'try /livez or /readyz\n' : `${states.join(' ')}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

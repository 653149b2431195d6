import { hostname } from 'node:os';

/**
 * This process's worker identity, as Temporal's SDK names a worker by default (`pid@host`); `createWorkers` sets it
 * explicitly so the identity in Temporal's history and the one tagged on MLflow runs are the same.
 */
export function workerIdentity(): { identity: string; host: string } {
  const host = hostname();
  return { identity: `${process.pid}@${host}`, host };
}

import type { State } from '@temporalio/worker';
import { startHealthServer } from './health-server';

it('is ready while every worker polls, alive until one fails, and names the states', async () => {
  const states: State[] = ['INITIALIZED', 'RUNNING'];
  const workers = states.map((_, i) => ({ getState: () => states[i] as State }));
  const health = await startHealthServer({ workers, port: 0, host: '127.0.0.1' });
  const probe = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${health.port}${path}`);
    return `${res.status} ${(await res.text()).trim()}`;
  };
  try {
    expect(await probe('/readyz')).toBe('503 INITIALIZED RUNNING');
    expect(await probe('/livez')).toBe('200 INITIALIZED RUNNING');
    states[0] = 'RUNNING';
    expect(await probe('/readyz')).toBe('200 RUNNING RUNNING');
    states[1] = 'DRAINING';
    expect(await probe('/readyz')).toBe('503 RUNNING DRAINING');
    expect(await probe('/livez')).toBe('200 RUNNING DRAINING');
    states[1] = 'FAILED';
    expect(await probe('/livez')).toBe('503 RUNNING FAILED');
    expect(await probe('/metrics')).toBe('404 try /livez or /readyz');
  } finally {
    await health.close();
  }
});

import { randomUUID } from 'node:crypto';
import type { FineTuneSpecInput, PretrainSpecInput } from '@anneal/contracts';
import type { Failpoint } from '@anneal/tracking';
import type { FineTuneResult, PretrainResult } from '@anneal/workflows';
import { connectHarness, tag, type Harness } from './integration/harness';
import { pendingActivity, spawnWorker, waitFor, type WorkerProcess } from './integration/processes';

// Workers lost in every stage, a failing trial, a graceful shutdown, and trials spread over two training workers:
// separate worker processes against the shared Temporal and MLflow servers.
jest.setTimeout(600_000);

let h: Harness;
const running: WorkerProcess[] = [];
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => {
  running.forEach((w) => w.child.kill('SIGKILL'));
  await h?.close();
});

const suffix = randomUUID().slice(0, 6);

async function startWorker(queue: 'cpu' | 'gpu', options: { failpoints?: Failpoint[]; env?: Record<string, string> } = {}): Promise<WorkerProcess> {
  const w = spawnWorker(h.stack, { queue, ...options });
  running.push(w);
  await w.ready;
  return w;
}

async function runsOf(experimentId: string) {
  return h.mlflow.searchRuns({ experimentIds: [experimentId] });
}

const stillOpen = (runs: Awaited<ReturnType<typeof runsOf>>) => runs.filter((r) => r.info.status === 'RUNNING').map((r) => r.info.run_name);

it('completes when a worker is SIGKILLed in each stage in turn while a second worker is up', async () => {
  const name = `worker-loss-${suffix}`;
  const workflowId = `pretrain-${name}`;
  const spec: PretrainSpecInput = {
    name,
    dataset: { name: 'mnist-0-4', source: { kind: 'mnist', digits: [0, 1, 2, 3, 4], perClass: 200 }, minPerClass: 20 },
    split: { validation: 0.2, test: 0.2, seed: 4 },
    architecture: { kind: 'cnn', imageShape: [28, 28, 1], filters: [8, 16], denseUnits: 32 },
    training: { epochs: 14, batchSize: 16, learningRate: 0.002, patience: 100, checkpointEvery: 2, heartbeatTimeoutSeconds: 5 },
    durability: { heartbeatTimeoutSeconds: 3, maxRetryIntervalSeconds: 2 },
    register: { name, alias: 'base' },
  };
  // The first attempt of each stage waits 3 s: the window in which its worker is killed. The retry runs at once.
  const stages = ['ingestDataset', 'validateDataset', 'fineTune', 'evaluateModel', 'registerModel'];
  const failpoints: Failpoint[] = stages.filter((s) => s !== 'fineTune').map((activity) => ({ activity, attempt: 1, delayMs: 3000 }));
  const pool = {
    cpu: [await startWorker('cpu', { failpoints }), await startWorker('cpu', { failpoints })],
    gpu: [await startWorker('gpu'), await startWorker('gpu')],
  };
  const killed: { stage: string; seconds: number; checkpoint?: number; epoch?: number }[] = [];
  const t0 = Date.now();
  await h.client.workflow.start('pretrain', { taskQueue: 'anneal', workflowId, args: [spec] });

  for (const stage of stages) {
    const seen = await waitFor(
      `${stage} started`,
      async () => {
        for (const id of [workflowId, `${workflowId}/train`]) {
          const p = await pendingActivity(h.client, id);
          const details = p?.details as { checkpoint?: { epoch: number }; epoch?: number } | undefined;
          const ready = p?.type === stage && p.attempt === 1 && p.identity && (stage !== 'fineTune' || (details?.checkpoint?.epoch ?? -1) >= 3);
          if (ready) return { identity: p.identity, checkpoint: details?.checkpoint?.epoch, epoch: details?.epoch };
        }
        return undefined;
      },
      180_000,
      50,
    );
    const queue = stage === 'fineTune' ? 'gpu' : 'cpu';
    const victim = pool[queue].find((w) => w.identity === seen.identity);
    expect(victim).toBeDefined();
    victim!.child.kill('SIGKILL');
    killed.push({ stage, seconds: (Date.now() - t0) / 1000, checkpoint: seen.checkpoint, epoch: seen.epoch });
    // Two workers up again before the next stage.
    pool[queue] = [...pool[queue].filter((w) => w !== victim), await startWorker(queue, queue === 'cpu' ? { failpoints } : {})];
  }
  const result = (await h.client.workflow.getHandle(workflowId).result()) as PretrainResult;
  process.stderr.write(
    `worker loss: killed in ${killed.map((k) => `${k.stage} at ${k.seconds.toFixed(1)} s`).join(', ')}; done at ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );

  const runs = await runsOf(result.experimentId);
  // One MLflow run per activity, whatever the attempts: the killed ones were reopened by their retry.
  for (const stage of stages) {
    const ofStage = runs.filter((r) => tag(r, 'temporal.activityType') === stage);
    expect(ofStage.length).toBeGreaterThan(0);
    expect(new Set(ofStage.map((r) => tag(r, 'anneal.key'))).size).toBe(ofStage.length);
    expect(ofStage.some((r) => Number(tag(r, 'temporal.attempt')) >= 2)).toBe(true);
  }
  const fineTune = runs.filter((r) => tag(r, 'temporal.activityType') === 'fineTune')[0]!;
  const resumedFrom = Number(tag(fineTune, 'anneal.resumedFromEpoch'));
  const atKill = killed.find((k) => k.stage === 'fineTune')!;
  expect(resumedFrom).toBeGreaterThanOrEqual(atKill.checkpoint!);
  // At most one checkpoint interval (2 epochs) redone: the epoch under way at the kill minus the resume point.
  expect((atKill.epoch ?? resumedFrom) - resumedFrom).toBeLessThanOrEqual(2);
  const steps = (await h.mlflow.getMetricHistory(fineTune.info.run_id, 'val_loss')).map((m) => m.step);
  expect(steps).toEqual(Array.from({ length: 14 }, (_, i) => i));
  expect(stillOpen(runs)).toEqual([]);
  expect(await h.mlflow.searchModelVersions(`name = '${name}'`)).toHaveLength(1);
  pool.cpu.concat(pool.gpu).forEach((w) => w.child.kill('SIGKILL'));
});

it('goes on without a trial that fails, records why, and picks the champion among the others', async () => {
  const name = `trial-fails-${suffix}`;
  const spec: FineTuneSpecInput = {
    name,
    dataset: { name: 'mnist-5-9', source: { kind: 'mnist', digits: [5, 6, 7, 8, 9], perClass: 40 }, minPerClass: 20 },
    split: { validation: 0.25, test: 0.25, seed: 3 },
    model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [32] } }], probeEpochs: 1 },
    tuning: { trials: 3, seed: 4, strategies: ['full'], epochs: [2], batchSize: 32 },
    register: { name, alias: 'champion' },
  };
  const failpoints: Failpoint[] = [{ activity: 'fineTune', workflowId: '/trial-1$', attempt: 1, delayMs: 0, fail: 'nonRetryable' }];
  const result = await h.withWorker(
    () => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: `fineTune-${name}`, args: [spec] }) as Promise<FineTuneResult>,
    ['cpu', 'gpu'],
    { failpoints },
  );
  expect(result.trials.map((t) => t.label.split(' ')[1])).toEqual(['0', '2']);
  expect(result.failedTrials).toHaveLength(1);
  expect(result.failedTrials[0]!.label).toMatch(/^trial 1 /);
  expect(result.failedTrials[0]!.error).toMatch(/^InjectedFaultError: failure injected by ANNEAL_FAILPOINTS into fineTune/);
  expect(result.arms.filter((a) => a.champion)).toHaveLength(1);
  expect(result.registered.version).toBe('1');

  const runs = await runsOf(result.experimentId);
  const trialRun = runs.find((r) => r.info.run_name?.startsWith('trial 1 '))!;
  expect(trialRun.info.status).toBe('FAILED');
  expect(tag(trialRun, 'anneal.error')).toMatch(/InjectedFaultError/);
  // Non-retryable: the training activity ran once (the failpoint fires before it opens its own run).
  const history = await h.client.workflow.getHandle(`fineTune-${name}/trial-1`).fetchHistory();
  const events = history.events ?? [];
  const training = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fineTune').map((e) => String(e.eventId)));
  const attempts = events.flatMap((e) => {
    const started = e.activityTaskStartedEventAttributes;
    return started && training.has(String(started.scheduledEventId)) ? [started.attempt] : [];
  });
  expect(attempts).toEqual([1]);
  expect(runs.some((r) => r.info.run_name?.startsWith('fine-tune trial 1 '))).toBe(false);
  expect(stillOpen(runs)).toEqual([]);
});

it('spreads trials over two training workers; SIGTERM to one checkpoints, exits in time, and the other resumes it', async () => {
  const name = `scale-out-${suffix}`;
  const workflowId = `fineTune-${name}`;
  const heartbeatTimeoutSeconds = 10;
  const spec: FineTuneSpecInput = {
    name,
    dataset: { name: 'mnist-5-9', source: { kind: 'mnist', digits: [5, 6, 7, 8, 9], perClass: 200 }, minPerClass: 20 },
    split: { validation: 0.2, test: 0.2, seed: 5 },
    model: { candidates: [{ kind: 'scratch', architecture: { kind: 'cnn', imageShape: [28, 28, 1], filters: [8, 16], denseUnits: 32 } }], probeEpochs: 1 },
    // No periodic checkpoints (every 100 epochs): the only one a stopped trial can resume from is the shutdown's.
    tuning: { trials: 4, seed: 6, strategies: ['full'], epochs: [12], batchSize: 16, patience: 100, checkpointEvery: 100, heartbeatTimeoutSeconds },
    durability: { heartbeatTimeoutSeconds: 5, maxRetryIntervalSeconds: 2 },
    register: { name, alias: 'champion' },
  };
  const env = { ANNEAL_SHUTDOWN_GRACE_SECONDS: '0' };
  await startWorker('cpu');
  const [a, b] = [await startWorker('gpu', { env }), await startWorker('gpu', { env })];
  await h.client.workflow.start('fineTune', { taskQueue: 'anneal', workflowId, args: [spec] });

  // Wait until worker a has finished a trial and trains another past epoch 2, then stop it the way an orchestrator would.
  const target = await waitFor(
    'a second trial training on worker a',
    async () => {
      const experimentId = await h.mlflow.getOrCreateExperiment(name);
      const finishedOnA = (await runsOf(experimentId)).filter(
        (r) => r.info.status === 'FINISHED' && r.info.run_name?.startsWith('fine-tune trial') && tag(r, 'anneal.worker.identity') === a!.identity,
      );
      if (finishedOnA.length === 0) return undefined;
      for (let i = 0; i < 4; i++) {
        const p = await pendingActivity(h.client, `${workflowId}/trial-${i}`);
        const epoch = (p?.details as { epoch?: number } | undefined)?.epoch ?? -1;
        if (p?.identity === a!.identity && epoch >= 2) return { trial: i, epoch };
      }
      return undefined;
    },
    240_000,
    200,
  );
  const signalled = Date.now();
  a!.child.kill('SIGTERM');
  const exit = await a!.exited;
  const exitSeconds = (Date.now() - signalled) / 1000;
  const result = (await h.client.workflow.getHandle(workflowId).result()) as FineTuneResult;
  process.stderr.write(
    `scale-out: SIGTERM to worker a during trial ${target.trial} epoch ${target.epoch}; it exited (${exit}) in ${exitSeconds.toFixed(1)} s\n`,
  );

  expect(exit).toBe(0);
  expect(exitSeconds).toBeLessThan(heartbeatTimeoutSeconds);
  expect(result.trials).toHaveLength(4);
  const runs = await runsOf(result.experimentId);
  const fineTunes = runs.filter((r) => tag(r, 'temporal.activityType') === 'fineTune' && r.info.run_name?.includes('trial'));
  // Tagged with the worker of each run's last attempt: both training workers trained trials.
  const workers = new Set(fineTunes.map((r) => tag(r, 'anneal.worker.identity')));
  expect(workers).toEqual(new Set([a!.identity, b!.identity]));
  const stopped = fineTunes.find((r) => r.info.run_name?.startsWith(`fine-tune trial ${target.trial} `))!;
  expect(tag(stopped, 'anneal.worker.identity')).toBe(b!.identity);
  expect(Number(tag(stopped, 'anneal.resumedFromEpoch'))).toBeGreaterThanOrEqual(target.epoch);
  const steps = (await h.mlflow.getMetricHistory(stopped.info.run_id, 'val_loss')).map((m) => m.step);
  expect(steps).toEqual(Array.from({ length: 12 }, (_, i) => i));
  expect(stillOpen(runs)).toEqual([]);
});

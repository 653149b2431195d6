import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { PretrainSpecInput } from '@anneal/contracts';
import { MlflowClient } from '@anneal/tracking';
import type { PretrainResult } from '@anneal/workflows';
import { REPO_ROOT, tag } from './integration/harness';
import {
  pendingActivity,
  resultThroughOutages,
  sleep,
  spawnWorker,
  startKillableStack,
  waitFor,
  type KillableStack,
  type WorkerProcess,
} from './integration/processes';
import { readStackEnv } from './integration/stack-env';

// MLflow and Temporal each killed (SIGKILL) mid-pipeline and brought back: the pipeline goes on. These run on a
// Temporal dev server (on a database file) and an MLflow server of their own, so killing them spares the other tests.
jest.setTimeout(600_000);

const suffix = randomUUID().slice(0, 6);
const EPOCHS = 16;
const spec = (name: string): PretrainSpecInput => ({
  name,
  dataset: { name: 'mnist-0-4', source: { kind: 'mnist', digits: [0, 1, 2, 3, 4], perClass: 300 }, minPerClass: 20 },
  split: { validation: 0.2, test: 0.2, seed: 3 },
  architecture: { kind: 'cnn', imageShape: [28, 28, 1], filters: [8, 16], denseUnits: 32 },
  training: { epochs: EPOCHS, batchSize: 16, learningRate: 0.002, patience: 100, checkpointEvery: 1, heartbeatTimeoutSeconds: 5 },
  durability: { heartbeatTimeoutSeconds: 5, maxRetryIntervalSeconds: 2 },
  register: { name, alias: 'base' },
});

let stack: KillableStack;
let client: Client;
let connection: Connection;
let mlflow: MlflowClient;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  const shared = readStackEnv();
  stack = await startKillableStack(shared.workflowBundlePath, join(REPO_ROOT, '.venv'));
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection });
  mlflow = new MlflowClient({ trackingUri: stack.mlflowUri });
  workers = [spawnWorker(stack, { queue: 'cpu' }), spawnWorker(stack, { queue: 'gpu' })];
  await Promise.all(workers.map((w) => w.ready));
});

afterAll(async () => {
  workers.forEach((w) => w.child.kill('SIGKILL'));
  await connection?.close();
  stack?.down();
});

/** Starts a pretrain and waits until its training has checkpointed epoch `epoch`. */
async function startAndTrainUntil(name: string, epoch: number): Promise<string> {
  const workflowId = `pretrain-${name}`;
  await client.workflow.start('pretrain', { taskQueue: 'anneal', workflowId, args: [spec(name)] });
  await waitFor(`training of ${name} past epoch ${epoch}`, async () => {
    const details = (await pendingActivity(client, `${workflowId}/train`))?.details as { checkpoint?: { epoch: number } } | undefined;
    return (details?.checkpoint?.epoch ?? -1) >= epoch ? true : undefined;
  });
  return workflowId;
}

async function trainingRun(result: PretrainResult) {
  const runs = await mlflow.searchRuns({ experimentIds: [result.experimentId] });
  const fineTune = runs.filter((r) => r.info.run_name?.startsWith('fine-tune '));
  return { runs, fineTune };
}

it('rides out MLflow killed for 60 s during training: same result as an uninterrupted run, every step once', async () => {
  const plain = (await client.workflow.execute('pretrain', {
    taskQueue: 'anneal',
    workflowId: `pretrain-plain-${suffix}`,
    args: [spec(`plain-${suffix}`)],
  })) as PretrainResult;

  const name = `mlflow-down-${suffix}`;
  const workflowId = await startAndTrainUntil(name, 2);
  await stack.kill('mlflow');
  const killedAt = Date.now();
  await sleep(60_000);
  await stack.restart('mlflow');
  const back = Date.now();
  const result = await resultThroughOutages<PretrainResult>(client, workflowId, 300_000);
  process.stderr.write(
    `mlflow outage: down ${((back - killedAt) / 1000).toFixed(0)} s, pipeline done ${((Date.now() - back) / 1000).toFixed(1)} s after MLflow came back; test accuracy ${result.test.accuracy.toFixed(4)} vs uninterrupted ${plain.test.accuracy.toFixed(4)}\n`,
  );

  // Seeded data, split, initialisation and shuffles, and a resume that restores weights and Adam's state exactly.
  expect(result.test.accuracy).toBeCloseTo(plain.test.accuracy, 6);
  expect(result.test.loss).toBeCloseTo(plain.test.loss, 4);
  const { runs, fineTune } = await trainingRun(result);
  expect(fineTune).toHaveLength(1); // one run per activity, through every attempt
  expect(Number(tag(fineTune[0]!, 'temporal.attempt'))).toBeGreaterThan(1);
  for (const key of ['val_loss', 'loss', 'val_accuracy']) {
    const steps = (await mlflow.getMetricHistory(fineTune[0]!.info.run_id, key)).map((m) => m.step);
    expect(steps).toEqual(Array.from({ length: EPOCHS }, (_, i) => i));
  }
  expect(runs.filter((r) => r.info.status !== 'FINISHED').map((r) => `${r.info.run_name}: ${r.info.status}`)).toEqual([]);
  const versions = await mlflow.searchModelVersions(`name = '${name}'`);
  expect(versions).toHaveLength(1);
});

/** `anneal follow <id>` as a user runs it, against the stack under test. */
function follow(workflowId: string) {
  const env = { ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress, MLFLOW_TRACKING_URI: stack.mlflowUri };
  const child = spawn(process.execPath, [join(REPO_ROOT, 'packages', 'cli', 'bin', 'anneal.js'), 'follow', workflowId], { env });
  let out = '';
  child.stdout.on('data', (c) => (out += String(c)));
  child.stderr.on('data', (c) => (out += String(c)));
  // The exit code, or the signal that ended it (a failure then names it).
  const exited = new Promise<number | string | null>((r) => child.on('exit', (code, signal) => r(code ?? signal)));
  return { child, exited, output: () => out };
}

it('rides out the Temporal server killed and restarted on its database 10 s later; anneal follow keeps following, Ctrl-C only stops following', async () => {
  const name = `temporal-down-${suffix}`;
  const workflowId = await startAndTrainUntil(name, 1);
  const follower = follow(workflowId);
  const interrupted = follow(workflowId);
  await waitFor(
    'both followers following',
    async () => (follower.output().includes('following') && interrupted.output().includes('following') ? true : undefined),
    60_000,
  );
  interrupted.child.kill('SIGINT');
  expect(await interrupted.exited).toBe(130);
  expect(interrupted.output()).toContain(`stopped following; ${workflowId} goes on. Follow it again: anneal follow ${workflowId}`);
  await stack.kill('temporal');
  await sleep(10_000);
  await stack.restart('temporal');
  const back = Date.now();
  const result = await resultThroughOutages<PretrainResult>(client, workflowId, 180_000);
  const seconds = (Date.now() - back) / 1000;
  process.stderr.write(`temporal restart: pipeline done ${seconds.toFixed(1)} s after the server came back\n`);
  expect(seconds).toBeLessThan(120);
  const { runs, fineTune } = await trainingRun(result);
  expect(fineTune).toHaveLength(1);
  const steps = (await mlflow.getMetricHistory(fineTune[0]!.info.run_id, 'val_loss')).map((m) => m.step);
  expect(steps).toEqual(Array.from({ length: EPOCHS }, (_, i) => i));
  expect(runs.filter((r) => r.info.status !== 'FINISHED').map((r) => `${r.info.run_name}: ${r.info.status}`)).toEqual([]);
  expect(await mlflow.searchModelVersions(`name = '${name}'`)).toHaveLength(1);
  // The follower followed through the restart and printed the pipeline's result. (Over 10 s, and 30 s when tried,
  // the client's own gRPC retries carry it; a longer outage ends those, and follow.test.ts covers what follows.)
  expect(await follower.exited).toBe(0);
  expect(follower.output()).toContain(`pretrained ${name} v1 @base`);
});

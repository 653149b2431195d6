// npm run bench:orchestration — what Anneal's activity wrapping costs. One Temporal dev server and one MLflow server
// (the project's pinned binaries, on free loopback ports); a workflow runs N no-op activities one after another on
// three workers in turn: the bare SDK (the anchor), Anneal's activity boundary alone (error mapping, keep-alive
// heartbeats), and the boundary plus the activity's MLflow run (opened as a child of the pipeline run, FINISHED at
// the end), which is what every Anneal activity does. Per activity: scheduled -> completed in Temporal's history.
// Prints one JSON line per worker and one with the overheads against the bare SDK in the same run.
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';

const require = createRequire(import.meta.url);
const { MlflowClient, activityBoundaryPlugin, activityPlugin, withActivityRun } = require('@anneal/tracking');
const { ensureMlflow } = require('../packages/cli/dist/local-services.js');
const { createServer } = require('node:net');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VENV = join(ROOT, '.venv');
const N = Number(process.env.N ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 2);

Runtime.install({ logger: new DefaultLogger('WARN') });
const home = mkdtempSync(join(tmpdir(), 'anneal-bench-orch-'));
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: join(VENV, 'bin', 'temporal') }, ip: '127.0.0.1', ui: false },
});
const mlflowPort = await freePort();
await ensureMlflow({ home, venv: VENV, temporalPort: 0, temporalUiPort: 0, mlflowPort }, () => {});
const mlflow = new MlflowClient({ trackingUri: `http://127.0.0.1:${mlflowPort}` });
const experimentId = await mlflow.getOrCreateExperiment('bench-orchestration');
const parent = await mlflow.createRun({ experimentId, runName: 'pipeline' });
const tracking = { experimentId, parentRunId: parent.info.run_id };
const bundle = await bundleWorkflowCode({ workflowsPath: join(ROOT, 'bench', 'orchestration', 'workflow.js'), logger: new DefaultLogger('WARN') });

const noop = async () => null;
const systems = {
  'temporal-sdk': { activities: { noop } },
  'anneal-boundary': { plugins: [activityBoundaryPlugin(), activityPlugin('bench', { noop })] },
  'anneal-boundary+mlflow-run': {
    plugins: [activityBoundaryPlugin(), activityPlugin('bench', { noop: (input) => withActivityRun(mlflow, input, async () => null) })],
  },
};

// Where the time goes: the two MLflow calls an activity run makes (create with its tags, then FINISHED), straight
// from Node. A freshly started MLflow server answers several times slower for its first minute: warm it up first.
const mlflowCalls = [];
async function directMlflowCalls(n, into) {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const run = await mlflow.createRun({ experimentId, runName: `direct ${i}`, tags: ACTIVITY_TAGS });
    await mlflow.updateRun({ runId: run.info.run_id, status: 'FINISHED' });
    into?.push(performance.now() - t0);
  }
}
const ACTIVITY_TAGS = Object.fromEntries(
  ['parentRunId', 'workflowId', 'runId', 'activityId', 'activityType', 'attempt', 'key', 'worker', 'host'].map((k) => [`anneal.${k}`, `${k}-value`]),
);
await directMlflowCalls(Number(process.env.WARMUP ?? 150));

const results = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [system, options] of Object.entries(systems)) {
    const taskQueue = `bench-${system}-${round}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, ...options });
    const id = `${taskQueue}-${Date.now()}`;
    const t0 = performance.now();
    await worker.runUntil(env.client.workflow.execute('chain', { taskQueue, workflowId: id, args: [{ n: N, tracking }] }));
    const wallMs = performance.now() - t0;
    (results[system] ??= { perActivity: [], wallMs: [] }).perActivity.push(...(await perActivityMs(id)));
    results[system].wallMs.push(wallMs);
  }
  await directMlflowCalls(N, mlflowCalls);
}

const summary = Object.fromEntries(
  Object.entries(results).map(([system, r]) => [
    system,
    { median: quantile(r.perActivity, 0.5), p95: quantile(r.perActivity, 0.95), perActivityWall: Math.min(...r.wallMs) / N },
  ]),
);
const anchor = summary['temporal-sdk'];
for (const [system, s] of Object.entries(summary)) {
  console.log(
    JSON.stringify({
      system,
      activities: N * ROUNDS,
      medianMs: round2(s.median),
      p95Ms: round2(s.p95),
      wallPerActivityMs: round2(s.perActivityWall),
      ratioToSdk: round2(s.median / anchor.median),
    }),
  );
}
console.log(
  JSON.stringify({
    overheadMs: Object.fromEntries(
      Object.entries(summary)
        .filter(([k]) => k !== 'temporal-sdk')
        .map(([k, s]) => [k, { median: round2(s.median - anchor.median), p95: round2(s.p95 - anchor.p95) }]),
    ),
    mlflowServerMs: { median: round2(quantile(mlflowCalls, 0.5)), what: 'runs/create + runs/update, called directly' },
    wrappingExclMlflowMs: round2(summary['anneal-boundary+mlflow-run'].median - anchor.median - quantile(mlflowCalls, 0.5)),
    target: "Anneal's wrapping at most 10 ms median per activity",
  }),
);
await env.teardown();
process.kill(-Number(readFileSync(join(home, 'mlflow.pid'), 'utf8')), 'SIGTERM');

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Scheduled -> completed of every activity, from the workflow's history (server timestamps). */
async function perActivityMs(workflowId) {
  const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map();
  const out = [];
  for (const e of events) {
    const at = Number(e.eventTime.seconds) * 1000 + e.eventTime.nanos / 1e6;
    if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), at);
    if (e.activityTaskCompletedEventAttributes) out.push(at - scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId)));
  }
  return out;
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

// npm run bench:study-scale — what a long study costs Temporal: fineTune with `select: search` over two candidates,
// TPE + ASHA (rungs of 1, 3 and 9 epochs), run against stub activities (a trial's score is a function of its
// learning rate and epochs; no training, no MLflow) on the project's Temporal dev server, so only the orchestration
// is measured. The headline study has TRIALS trials (default 500) at PARALLELISM at a time (default 20); the anchor,
// run first in the same script, has a tenth of them. Per study: wall time, rung runs, the study workflow's runs
// (continued as new when Temporal suggests it), history events, the epochs trained and the epoch reports the study
// took (the stubs report every epoch, as training does), the largest continue-as-new input and the study's and
// fineTune's result payloads, against Temporal's 512 KB payload warning. Prints one JSON line per study and one
// with the ratios of the headline to the anchor.
import { createRequire } from 'node:module';
import { Worker } from '@temporalio/worker';
import { bundleWorkflows, startDevServer } from './lib/dev-server.mjs';
import { stubActivities } from './study-scale/stubs.mjs';

const require = createRequire(import.meta.url);
const { CPU_TASK_QUEUE, GPU_TASK_QUEUE } = require('@anneal/contracts');
const { epochsTrained, unpackState } = require('@anneal/workflows');

const TRIALS = Number(process.env.TRIALS ?? 500);
const PARALLELISM = Number(process.env.PARALLELISM ?? 20);
const PAYLOAD_WARNING = 512 * 1024;

const env = await startDevServer();
const workflowBundle = { code: await bundleWorkflows() };

const anchor = await measure(Math.max(10, Math.round(TRIALS / 10)), 'anchor');
const headline = await measure(TRIALS, 'headline');
for (const m of [anchor, headline]) console.log(JSON.stringify(m));
console.log(
  JSON.stringify({
    ratio: 'headline / anchor',
    trials: round2(headline.trials / anchor.trials),
    msPerRungRun: round2(headline.msPerRungRun / anchor.msPerRungRun),
    eventsPerRungRun: round2(headline.events / headline.rungRuns / (anchor.events / anchor.rungRuns)),
    largestPayloadOfWarning: round2(Math.max(headline.studyResultBytes, headline.fineTuneResultBytes, headline.largestCarriedBytes) / PAYLOAD_WARNING),
  }),
);
await env.teardown();

async function measure(trials, role) {
  const workflowId = `study-scale-${role}-${Date.now()}`;
  const t0 = performance.now();
  const result = await runWithWorkers(workflowId, spec(trials));
  const wallMs = performance.now() - t0;
  const studyRuns = [];
  for await (const w of env.client.workflow.list({ query: `WorkflowId = '${workflowId}/study'` })) studyRuns.push(w);
  let largestCarried = 0;
  let carriedParts;
  let studyResult = 0;
  let events = 0;
  let epochReports;
  for (const w of studyRuns) {
    const { events: history } = await env.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    events += history.length;
    for (const e of history) {
      // The continue-as-new input: the study's input and, beside it, its carried state, packed.
      const carried = e.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads;
      const bytes = (carried ?? []).reduce((n, p) => n + p.data.length, 0);
      if (bytes > largestCarried) {
        largestCarried = bytes;
        carriedParts = partSizes(carried);
      }
      const done = e.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.data;
      if (done) {
        studyResult = done.length;
        epochReports = JSON.parse(Buffer.from(done).toString()).epochReports?.reported;
      }
    }
  }
  return {
    role,
    trials,
    parallelism: PARALLELISM,
    rungRuns: result.decisions.length,
    // Each epoch a rung run trained was reported to the study once (a signal, so also a history event or more).
    epochsTrained: epochsTrained(result.decisions),
    epochReports,
    wallS: round2(wallMs / 1000),
    msPerRungRun: round2(wallMs / result.decisions.length),
    studyWorkflowRuns: studyRuns.length,
    events,
    largestCarriedBytes: largestCarried,
    largestCarriedParts: carriedParts,
    studyResultBytes: studyResult,
    fineTuneResultBytes: Buffer.byteLength(JSON.stringify(result)),
    champion: result.arms.find((a) => a.champion)?.arm,
  };
}

/** The carried payloads' bytes (input, packed state), and each part of the state's JSON unpacked, largest first. */
function partSizes([input, packed]) {
  const state = unpackState(packed.data);
  const parts = Object.entries(state).map(([k, v]) => [k, Buffer.byteLength(JSON.stringify(v))]);
  return { inputBytes: input.data.length, packedStateBytes: packed.data.length, stateJsonBytes: Object.fromEntries(parts.sort((a, b) => b[1] - a[1])) };
}

/** A worker per task queue, on stub activities, for as long as the workflow runs (a worker runs only once). */
async function runWithWorkers(workflowId, input) {
  const activities = stubActivities();
  const workers = await Promise.all(
    [CPU_TASK_QUEUE, GPU_TASK_QUEUE].map((taskQueue) =>
      Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities, maxConcurrentActivityTaskExecutions: 4 * PARALLELISM }),
    ),
  );
  const execution = env.client.workflow.execute('fineTune', { taskQueue: CPU_TASK_QUEUE, workflowId, args: [input] });
  const over = execution.then(
    () => undefined,
    () => undefined,
  );
  await Promise.all(workers.map((w) => w.runUntil(over)));
  return execution;
}

function spec(trials) {
  return {
    name: 'study-scale',
    dataset: { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } },
    model: {
      select: 'search',
      candidates: [
        { kind: 'registry', name: 'base' },
        { kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } },
      ],
    },
    tuning: {
      sampler: 'tpe',
      scheduler: { kind: 'asha', minEpochs: 1, reductionFactor: 3 },
      trials,
      parallelism: PARALLELISM,
      seed: 5,
      strategies: ['feature-extraction', 'full'],
      epochs: [9],
      learningRate: { min: 1e-4, max: 1 },
    },
  };
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

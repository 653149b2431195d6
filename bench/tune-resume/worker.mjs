// The Anneal worker that bench/tune-resume.mjs kills and restarts: both task queues on one process, the workflows
// from a prebuilt bundle, and stub activities (bench/study-scale/stubs.mjs) except fineTune, which simulates EPOCH_S
// seconds an epoch, logs each epoch it starts to the benchmark's log (as the peers do) and heartbeats the epoch it
// finished as its checkpoint, throttled as the real worker's heartbeats are. A retried attempt resumes from the
// last checkpoint that reached the server, as the real train activity does from its heartbeat details.
//   node bench/tune-resume/worker.mjs <temporal address> <workflow bundle> <epochs.jsonl>
import { appendFileSync, closeSync, fsyncSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { stubActivities } from '../study-scale/stubs.mjs';

const require = createRequire(import.meta.url);
const { CPU_TASK_QUEUE, GPU_TASK_QUEUE } = require('@anneal/contracts');
const { HEARTBEAT_THROTTLE_MS } = require('@anneal/train'); // the real training worker's heartbeat throttle
const EPOCH_MS = Number(process.env.EPOCH_S ?? 0.5) * 1000;
const GPU_SLOTS = Number(process.env.ANNEAL_GPU_SLOTS ?? 1); // training at once, as on a real training worker
const [address, bundlePath, logPath] = process.argv.slice(2);

function logEpoch(trial, epoch) {
  const fd = openSync(logPath, 'a');
  appendFileSync(fd, `${JSON.stringify({ system: 'anneal', trial, epoch, t: Date.now() / 1000, pid: process.pid })}\n`);
  fsyncSync(fd);
  closeSync(fd);
}

const stubs = stubActivities();
const activities = {
  ...stubs,
  async fineTune(input) {
    const ctx = Context.current();
    const trial = ctx.info.workflowExecution.workflowId; // the trial's workflow: the same for every attempt
    const done = ctx.info.heartbeatDetails?.epoch;
    const until = input.stopAfterEpochs ?? input.hyperparameters.epochs;
    for (let epoch = done === undefined ? 0 : done + 1; epoch < until; epoch++) {
      logEpoch(trial, epoch);
      await sleep(EPOCH_MS);
      ctx.heartbeat({ epoch });
    }
    return stubs.fineTune(input);
  },
};

Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address });
const workers = await Promise.all(
  [CPU_TASK_QUEUE, GPU_TASK_QUEUE].map((taskQueue) =>
    Worker.create({
      connection,
      taskQueue,
      workflowBundle: { codePath: bundlePath },
      activities,
      ...(taskQueue === GPU_TASK_QUEUE ? { maxConcurrentActivityTaskExecutions: GPU_SLOTS } : {}),
      maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE_MS,
      defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE_MS,
    }),
  ),
);
console.log('worker ready');
await Promise.all(workers.map((w) => w.run()));

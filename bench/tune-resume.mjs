// npm run bench:tune-resume — what a kill costs a study (issue 10): the same study (TRIALS trials of EPOCHS epochs,
// PARALLEL at a time, random search, no early stopping; an epoch is EPOCH_S seconds of simulated training, so only
// the orchestration's recovery is measured) in Anneal (the `tune` workflow on the project's Temporal dev server, its
// worker a child process), Optuna (RDB storage with heartbeats and RetryFailedTrialCallback, per-epoch checkpoints as
// in Optuna's own example) and Ray Tune (per-epoch checkpoints, Tuner.restore), each killed with SIGKILL (the whole
// process group) once a quarter, a half and three quarters of its epochs have started, then resumed the way each
// documents: Anneal starts a new worker, the peers rerun their script in resume mode (bench/tune_resume.py). Every
// system logs each epoch it starts to one file; from it: the epochs started twice (recomputed), the seconds from the
// kill to the first epoch started after it, and whether every (trial, epoch) ran. GRACE_S is both Anneal's
// heartbeat timeout and Optuna's grace period. Prints one JSON line per (system, kill point) and a summary per system.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflows, startDevServer } from './lib/dev-server.mjs';

const require = createRequire(import.meta.url);
const { CPU_TASK_QUEUE } = require('@anneal/contracts');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, '.anneal', 'bench', 'tune-resume');
// An epoch of 2 s: longer than the real worker's heartbeat throttle (2 s), as real epochs are.
const knobs = { TRIALS: 6, EPOCHS: 6, PARALLEL: 2, EPOCH_S: 2, SEED: 0, GRACE_S: 10 };
for (const k of Object.keys(knobs)) knobs[k] = Number(process.env[k] ?? knobs[k]);
const SYSTEMS = (process.env.SYSTEMS ?? 'anneal,optuna,ray').split(',');
const KILL_AT = [0.25, 0.5, 0.75];
const PYTHON = join(ROOT, '.venv-bench-tune', 'bin', 'python');

const env = await startDevServer();
mkdirSync(WORK, { recursive: true });
const bundlePath = join(WORK, 'workflow-bundle.js');
writeFileSync(bundlePath, await bundleWorkflows());

const summaries = [];
for (const system of SYSTEMS) {
  const runs = [];
  for (const at of KILL_AT) {
    const run = await killAndResume(system, at);
    console.log(JSON.stringify(run));
    runs.push(run);
  }
  summaries.push({
    system,
    summary: true,
    ...knobs,
    recomputedEpochs: runs.map((r) => r.recomputedEpochs),
    resumeS: runs.map((r) => r.resumeS),
    allComplete: runs.every((r) => r.complete),
  });
}
for (const s of summaries) console.log(JSON.stringify(s));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const anneal = summaries.find((s) => s.system === 'anneal');
for (const anchor of summaries.filter((s) => s !== anneal && anneal)) {
  console.log(
    JSON.stringify({
      ratio: `anneal / ${anchor.system}`,
      recomputedEpochs: round2(mean(anneal.recomputedEpochs) / mean(anchor.recomputedEpochs)),
      resumeS: round2(mean(anneal.resumeS) / mean(anchor.resumeS)),
    }),
  );
}
await env.teardown();

/** One study of `system`, killed once `at` of its epochs have started, then resumed to the end. */
async function killAndResume(system, at) {
  const dir = join(WORK, `${system}-${at}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'epochs.jsonl');
  const total = knobs.TRIALS * knobs.EPOCHS;
  const killAfter = Math.round(at * total);
  const t0 = Date.now() / 1000;
  const study = system === 'anneal' ? annealStudy(dir, log) : peerStudy(system, dir);
  await study.start();
  while (lines(log).length < killAfter) {
    if (study.failure()) throw study.failure();
    await sleep(50);
  }
  const killedAt = Date.now() / 1000;
  study.kill();
  await study.resume();
  const epochs = lines(log);
  const pairs = new Set(epochs.map((e) => `${e.trial}/${e.epoch}`));
  const after = epochs.filter((e) => e.t > killedAt).map((e) => e.t);
  return {
    system,
    killAt: at,
    killedAfterEpochs: epochs.filter((e) => e.t <= killedAt).length,
    epochsStarted: epochs.length,
    recomputedEpochs: epochs.length - pairs.size,
    resumeS: after.length ? round2(Math.min(...after) - killedAt) : null,
    complete: pairs.size === total,
    wallS: round2(Date.now() / 1000 - t0),
    version: study.version?.() ?? null,
  };
}

function annealStudy(dir, log) {
  let worker;
  let result;
  let failure;
  const startWorker = async () => {
    worker = spawn(process.execPath, [join(ROOT, 'bench', 'tune-resume', 'worker.mjs'), env.address, bundlePath, log], {
      detached: true, // its own process group, killed whole
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, EPOCH_S: String(knobs.EPOCH_S), ANNEAL_GPU_SLOTS: String(knobs.PARALLEL) },
    });
    await new Promise((resolve, reject) => {
      worker.stdout.on('data', (b) => String(b).includes('worker ready') && resolve());
      worker.on('exit', (code) => reject(new Error(`worker exited ${code} before it was ready`)));
    });
  };
  return {
    async start() {
      await startWorker();
      const handle = await env.client.workflow.start('tune', {
        taskQueue: CPU_TASK_QUEUE,
        workflowId: `tune-resume-${Date.now()}`,
        args: [annealSpec()],
      });
      result = handle.result();
      result.catch((err) => (failure = err)); // awaited in resume()
    },
    kill: () => killSession(worker.pid),
    failure: () => failure,
    async resume() {
      await startWorker();
      await result;
      process.kill(-worker.pid, 'SIGKILL');
    },
    version: () => `temporal dev server, @temporalio/worker ${require('@temporalio/worker/package.json').version}`,
  };
}

function peerStudy(system, dir) {
  let child;
  let version;
  const run = (phase) => {
    child = spawn(PYTHON, [join(ROOT, 'bench', 'tune_resume.py'), system, dir, phase], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...Object.fromEntries(Object.entries(knobs).map(([k, v]) => [k, String(v)])), PYTHONUNBUFFERED: '1' },
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    return new Promise((resolve, reject) =>
      child.on('exit', (code, signal) => {
        if (code === 0) {
          version = JSON.parse(out.trim().split('\n').at(-1)).version;
          resolve();
        } else reject(new Error(`${system} ${phase} ended ${code ?? signal}: ${out.slice(-500)}`));
      }),
    );
  };
  let fresh;
  let failure;
  return {
    async start() {
      fresh = run('fresh').then(
        () => (failure = new Error(`${system} finished before the kill`)),
        (err) => (failure ??= err),
      );
    },
    kill: () => killSession(child.pid),
    failure: () => failure,
    async resume() {
      await fresh; // its exit, by the kill
      await run('resume');
    },
    version: () => `${system} ${version}`,
  };
}

function annealSpec() {
  return {
    name: 'tune-resume',
    dataset: { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } },
    model: { select: 'search', candidates: [{ kind: 'registry', name: 'base' }] }, // the study; no probe
    tuning: {
      sampler: 'random',
      trials: knobs.TRIALS,
      parallelism: knobs.PARALLEL,
      seed: knobs.SEED,
      strategies: ['full'],
      epochs: [knobs.EPOCHS],
      learningRate: { min: 1e-4, max: 1e-1 },
      heartbeatTimeoutSeconds: knobs.GRACE_S,
    },
  };
}

/**
 * SIGKILL for everything a child started: it leads its own session (spawned detached), and Ray's trial workers run in
 * process groups of their own inside it, so the session is killed, not only the group.
 */
function killSession(pid) {
  process.kill(-pid, 'SIGKILL');
  try {
    execFileSync('pkill', ['-KILL', '-s', String(pid)]);
  } catch (err) {
    if (err.status !== 1) throw err; // 1: nothing left to kill
  }
}

function lines(path) {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

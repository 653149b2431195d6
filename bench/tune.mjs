// npm run bench:tune — how much training each search needs to find a configuration within 0.5 point of the best
// validation accuracy that an exhaustive run of the same space reaches: Anneal's samplers and schedulers (random,
// TPE, ASHA, ASHA with TPE) against Optuna (TPE with its SuccessiveHalvingPruner) and Ray Tune (ASHA), same space,
// same trial budget, one trial at a time, over 10 seeds, on two tasks (bench/tune-tasks.mjs): the digits 5-9
// transfer task (the model: the digits-0-4 base or the same CNN from scratch; the strategy: feature extraction or
// full, scratch trains fully; the learning rate log-uniform in [5e-4, 5e-3]) and a tabular one (breast cancer: a
// small or a wide MLP; the rate in [1e-4, 3e-2]), up to 27 epochs. Each task's learning curves are recorded once,
// for real, with Anneal's graph engine on 8 log-spaced rates (`node bench/tune.mjs record [task]`, also run when the
// file is missing), and every search replays them (a suggested rate is snapped to the nearest recorded one), so what
// is compared is the search and scheduling logic alone. `node bench/tune.mjs [task]` runs one task. One JSON line per
// (task, system, sampler, scheduler), then the ratios. `npm run bench:tune-real` (`node bench/tune.mjs real [task]`)
// runs Anneal's four searches with every trial trained for real instead (bench/tune-real.mjs), then Optuna's and Ray
// Tune's with their trials trained for real through the same trainer (bench/tune-trial-server.mjs), same target.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { realTrainer } from './tune-real.mjs';
import { armsOf, recordedRates, TASKS } from './tune-tasks.mjs';

const require = createRequire(import.meta.url);
const { createSampler, createScheduler } = require('@anneal/tune');
const here = dirname(fileURLToPath(import.meta.url));
const curvesOf = (task) => join(here, '..', '.anneal', 'bench', `tune-curves-${task}.json`);
const PYTHON = join(here, '..', '.venv-bench-tune', 'bin', 'python');
const SPACE = { rates: 8, maxEpochs: 27, minEpochs: 3, eta: 3 };
/**
 * The equal-epoch comparison: each search, with no trial limit, is cut at the largest of these epoch budgets (2, 4,
 * 8 and 16 full trials' worth), and the best validation accuracy it had found at each is read off.
 */
const EPOCH_BUDGETS = [54, 108, 216, 432];
const TRIALS = 24;
const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
/** Seeds of the real runs (`BENCH_TUNE_REAL_SEEDS`, default 5). */
const REAL_SEEDS = SEEDS.slice(0, Number(process.env.BENCH_TUNE_REAL_SEEDS ?? 5));
const TOLERANCE = 0.005;

async function record(name) {
  const task = TASKS[name];
  const train = await task.trainer();
  const rates = recordedRates(task.lr, SPACE.rates);
  const curves = [];
  for (const a of armsOf(task.candidates)) {
    for (const lr of rates) {
      const { logs, started } = await train(a, lr, SPACE.maxEpochs);
      const secondsPerEpoch = ((logs.at(-1).at - started) / 1000 / logs.length).toFixed(4);
      curves.push({ ...a, lr, curve: logs.map((l) => l.valAccuracy), secondsPerEpoch: Number(secondsPerEpoch) });
      process.stderr.write(`${name}: recorded candidate ${a.candidate} ${a.strategy} lr=${lr}: best ${Math.max(...curves.at(-1).curve).toFixed(4)}\n`);
    }
  }
  const file = curvesOf(name);
  mkdirSync(dirname(file), { recursive: true });
  const { task: title, candidates, lr } = task;
  writeFileSync(file, JSON.stringify({ task: title, candidates, lr, ...SPACE, tolerance: TOLERANCE, trials: TRIALS, seeds: SEEDS, rates, curves }));
}

/** The recorded arm a configuration trains: its model and strategy, at the recorded rate nearest its own (in log). */
function lookup(table, c) {
  const strategy = table.candidates[c.candidate].pretrained ? c.strategy : 'full';
  const rate = table.rates.reduce((a, b) => (Math.abs(Math.log(b / c.lr)) < Math.abs(Math.log(a / c.lr)) ? b : a));
  return table.curves.find((x) => x.candidate === c.candidate && x.strategy === strategy && x.lr === rate);
}

/** Validation accuracy after `epochs` epochs with the best weights kept (what a trial reports). */
const valueAt = (arm, epochs) => Math.max(...arm.curve.slice(0, epochs));

/** The recorded curves as a trainer: a trial trains the recorded arm nearest its configuration. */
function replayed(table) {
  const arms = new Map();
  return {
    start: async (trial, s) => void arms.set(trial, lookup(table, { candidate: s.candidate, strategy: s.strategy, lr: s.learningRate })),
    train: async (trial, from, to) => {
      const arm = arms.get(trial);
      return arm.curve.slice(from, to).map((value) => ({ value, seconds: arm.secondsPerEpoch }));
    },
    close: async () => undefined,
  };
}

/**
 * One Anneal search, one trial at a time: the same sampler and scheduler code the study workflow runs, on a trainer
 * (`start` a trial; `train` it from one epoch count to another, the new epochs' validation accuracy and seconds;
 * `close` them all): the recorded curves, or real training (bench/tune-real.mjs). With `epochBudget` it runs trials
 * until that many epochs are spent (not `table.trials` of them) and records its best at each of EPOCH_BUDGETS.
 */
async function anneal(table, o, trainer = replayed(table)) {
  const space = {
    learningRate: { min: table.lr[0], max: table.lr[1] },
    strategies: ['feature-extraction', 'full'],
    epochs: [table.maxEpochs],
    batchSize: 32,
    patience: 5,
    candidates: table.candidates,
  };
  const sampler = createSampler(o.sampler, space, { seed: o.seed, startup: 4 });
  const scheduler = createScheduler(o.scheduler, { maxEpochs: table.maxEpochs, trials: table.trials });
  const target = targetOf(table);
  const history = [];
  const cost = { epochs: 0, seconds: 0, best: 0 };
  const trials = o.epochBudget ? Infinity : table.trials;
  const bestAt = new Map();
  // Each trial's epochs so far and its best validation accuracy (a trial keeps its best weights).
  const trained = new Map();
  const started = performance.now();
  let reached;
  let next = 0;
  const train = async (trial, to) => {
    const t = trained.get(trial) ?? { at: 0, best: 0 };
    for (const e of await trainer.train(trial, t.at, to)) {
      if (cost.epochs === o.epochBudget) break;
      cost.epochs++;
      cost.seconds += e.seconds;
      t.best = Math.max(t.best, e.value);
      cost.best = Math.max(cost.best, t.best);
      if (!reached && cost.best >= target) reached = { epochs: cost.epochs, seconds: cost.seconds, wallSeconds: (performance.now() - started) / 1000 };
      if (EPOCH_BUDGETS.includes(cost.epochs)) bestAt.set(cost.epochs, cost.best);
    }
    trained.set(trial, { at: to, best: t.best });
    return t.best;
  };
  try {
    while (cost.epochs !== o.epochBudget) {
      const promotion = scheduler?.nextPromotion();
      if (promotion) {
        const score = await train(promotion.trial, promotion.epochs);
        scheduler.record(promotion.rung, { trial: promotion.trial, score, done: promotion.rung === scheduler.budgets.length - 1 });
      } else if (next < trials) {
        const [s] = sampler.suggest({ history, pending: [], index: next, count: 1 });
        await trainer.start(next, s);
        const score = await train(next, scheduler ? scheduler.budgets[0] : table.maxEpochs);
        history.push({ suggestion: s, objective: score });
        scheduler?.record(0, { trial: next, score, done: scheduler.budgets.length === 1 });
        next++;
      } else break;
    }
  } finally {
    await trainer.close();
  }
  const bests = EPOCH_BUDGETS.map((b) => bestAt.get(b) ?? cost.best);
  const toTarget = { epochs: reached?.epochs ?? null, seconds: reached?.seconds ?? null, wallSeconds: reached?.wallSeconds ?? null };
  return { ...toTarget, spent: cost.epochs, best: cost.best, bestAt: bests };
}

/** Within TOLERANCE of the best validation accuracy the exhaustive run (every recorded arm, every epoch) reached. */
const targetOf = (table) => Math.max(...table.curves.map((c) => valueAt(c, table.maxEpochs))) - table.tolerance;

/**
 * The median over seeds of a figure to the target (null for a seed that never reached it). A seed that never reached
 * it counts as needing more than any that did: the median is a number only when at least half of the seeds did.
 */
function medianToTarget(xs) {
  const m = xs.map((x) => x ?? Infinity).sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  return Number.isFinite(m) ? m : null;
}

function summarize(system, sampler, scheduler, runs, table) {
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    task: table.task,
    mode: 'equal trials',
    system,
    sampler,
    scheduler,
    seeds: runs.length,
    reached: runs.filter((r) => r.epochs !== null).length,
    medianEpochsToTarget: medianToTarget(runs.map((r) => r.epochs)),
    medianTrainingSecondsToTarget: round(medianToTarget(runs.map((r) => r.seconds))),
    meanEpochsSpent: round(mean(runs.map((r) => r.spent))),
    meanBestAccuracy: round(mean(runs.map((r) => r.best)), 4),
    target: round(targetOf(table), 4),
    trialBudget: table.trials,
  };
}

/** The equal-epoch runs: at each epoch budget, the mean best accuracy found and the seeds that had reached the target. */
function summarizeEpochs(system, sampler, scheduler, runs, table) {
  return {
    task: table.task,
    mode: 'equal epochs',
    system,
    sampler,
    scheduler,
    seeds: runs.length,
    epochBudgets: EPOCH_BUDGETS,
    meanBestAt: EPOCH_BUDGETS.map((_, i) => round(runs.reduce((sum, r) => sum + r.bestAt[i], 0) / runs.length, 4)),
    reachedWithin: EPOCH_BUDGETS.map((b) => runs.filter((r) => r.epochs !== null && r.epochs <= b).length),
  };
}

const round = (x, digits = 1) => (x === null ? null : Number(x.toFixed(digits)));

/** A task's recorded curves (recorded first when missing) with its space. */
async function tableOf(name) {
  const file = curvesOf(name);
  if (!existsSync(file)) await record(name);
  // Curves recorded before tasks named their candidates are the digits task's.
  return { candidates: TASKS[name].candidates, ...JSON.parse(readFileSync(file, 'utf8')) };
}

/** Anneal's four searches: random and TPE, each without a scheduler and with ASHA (rungs 3, 9, 27). */
function searchesOf(table) {
  const asha = { kind: 'asha', minEpochs: table.minEpochs, reductionFactor: table.eta };
  return [
    ['random', { kind: 'none' }],
    ['tpe', { kind: 'none' }],
    ['random', asha],
    ['tpe', asha],
  ];
}

/** Every search on one task's curves: one summary line each. */
async function searches(name) {
  const file = curvesOf(name);
  const table = await tableOf(name);
  const lines = [];
  for (const [sampler, scheduler] of searchesOf(table)) {
    const runs = [];
    for (const seed of table.seeds) runs.push(await anneal(table, { sampler, scheduler, seed }));
    lines.push(summarize('anneal', sampler, scheduler.kind, runs, table));
    const cut = [];
    for (const seed of table.seeds) cut.push(await anneal(table, { sampler, scheduler, seed, epochBudget: EPOCH_BUDGETS.at(-1) }));
    lines.push(summarizeEpochs('anneal', sampler, scheduler.kind, cut, table));
  }
  if (!existsSync(PYTHON)) {
    console.error('no Optuna / Ray Tune anchor: npm run bench:tune sets them up (bench/setup-venv.sh)');
    return lines;
  }
  return [...lines, ...(await peers(table, [file, JSON.stringify(EPOCH_BUDGETS)]))];
}

/** Optuna's and Ray Tune's searches (bench/tune_peers.py with `args`): one summary line each. */
async function peers(table, args) {
  const { stdout } = await promisify(execFile)(PYTHON, [join(here, 'tune_peers.py'), ...args], { maxBuffer: 16 << 20, timeout: 3_600_000 });
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((line) => {
      const r = JSON.parse(line);
      const summary = r.mode === 'equal epochs' ? summarizeEpochs : summarize;
      return summary(r.system, r.sampler, r.scheduler, r.runs, table);
    });
}

/**
 * The peers' searches with every trial trained for real: bench/tune-trial-server.mjs serves the task's trainer on a
 * loopback port and tune_peers.py's trials train through it, REAL_SEEDS seeds, equal trials only (a node process
 * per search, the task's data loaded once).
 */
async function realPeers(name, table) {
  if (!existsSync(PYTHON)) {
    console.error('no Optuna / Ray Tune anchor: npm run bench:tune sets them up (bench/setup-venv.sh)');
    return [];
  }
  const server = spawn(process.execPath, [join(here, 'tune-trial-server.mjs'), name], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = await once(createInterface({ input: server.stdout }), 'line');
    const file = join(mkdtempSync(join(tmpdir(), 'anneal-bench-tune-')), 'table.json');
    writeFileSync(file, JSON.stringify({ ...table, seeds: REAL_SEEDS }));
    const lines = await peers(table, [file, '[]', String(JSON.parse(line).port)]);
    return lines.map((l) => ({ ...l, mode: 'equal trials, real' }));
  } finally {
    server.kill();
  }
}

/**
 * Anneal's searches with every trial trained for real (`node bench/tune.mjs real [task]`): the suggested rate itself,
 * a paused trial held where its rung ended and promoted from there, REAL_SEEDS seeds. Equal trials, with the wall
 * time to the target (model building and the search's own work included), and equal epochs: a search without a
 * scheduler spends more than the largest budget in its trials; one with ASHA runs again with no trial limit.
 */
async function realSearches(name) {
  const table = await tableOf(name);
  const train = await TASKS[name].trainer();
  const search = (o) => anneal(table, o, realTrainer(train, { maxEpochs: table.maxEpochs }));
  const lines = [];
  for (const [sampler, scheduler] of searchesOf(table)) {
    const runs = [];
    for (const seed of REAL_SEEDS) runs.push(await search({ sampler, scheduler, seed }));
    const real = { mode: 'equal trials, real', medianWallSecondsToTarget: round(medianToTarget(runs.map((r) => r.wallSeconds))) };
    lines.push({ ...summarize('anneal', sampler, scheduler.kind, runs, table), ...real });
    let cut = runs;
    if (scheduler.kind !== 'none') {
      cut = [];
      for (const seed of REAL_SEEDS) cut.push(await search({ sampler, scheduler, seed, epochBudget: EPOCH_BUDGETS.at(-1) }));
    }
    lines.push({ ...summarizeEpochs('anneal', sampler, scheduler.kind, cut, table), mode: 'equal epochs, real' });
    process.stderr.write(`${name}: real ${sampler}+${scheduler.kind} done\n`);
  }
  return [...lines, ...(await realPeers(name, table))];
}

const [command, only] = ['record', 'real'].includes(process.argv[2]) ? [process.argv[2], process.argv[3]] : ['run', process.argv[2]];
if (only && !TASKS[only]) throw new Error(`bench:tune: no task ${only}; the tasks are ${Object.keys(TASKS).join(', ')}`);
const tasks = only ? [only] : Object.keys(TASKS);
if (command === 'record') for (const name of tasks) await record(name);
for (const name of tasks) report(command === 'real' ? await realSearches(name) : await searches(name));
process.exit(0);

/** The summary lines, then each search's epochs against Anneal's random search on the same task. */
function report(lines) {
  for (const l of lines) console.log(JSON.stringify(l));
  const trials = lines.filter((l) => l.mode.startsWith('equal trials'));
  const base = trials.find((l) => l.system === 'anneal' && l.sampler === 'random' && l.scheduler === 'none');
  for (const l of trials.filter((x) => x !== base)) {
    const ratio = (key) => (l[key] !== null && base[key] !== null ? round(l[key] / base[key], 3) : null);
    console.log(
      JSON.stringify({
        ratio: `${l.task}: ${l.system} ${l.sampler}+${l.scheduler} / anneal random`,
        epochsToTarget: ratio('medianEpochsToTarget'),
        epochsSpent: ratio('meanEpochsSpent'),
      }),
    );
  }
}

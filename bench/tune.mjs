// npm run bench:tune — how much training each search needs to find a configuration within 0.5 point of the best
// validation accuracy that an exhaustive run of the same space reaches: Anneal's samplers and schedulers (random,
// TPE, ASHA, ASHA with TPE) against Optuna (TPE with its SuccessiveHalvingPruner) and Ray Tune (ASHA), same space,
// same trial budget, one trial at a time, over 10 seeds. The space: the model (the digits-0-4 base or the same CNN
// from scratch), the strategy (feature extraction or full; scratch trains fully) and the learning rate (log-uniform
// in [5e-4, 5e-3]) of the digits 5-9 transfer task, up to 27 epochs. Its learning curves are recorded once, for real,
// with Anneal's graph engine on 8 log-spaced rates (`node bench/tune.mjs record`, also run when the file is missing),
// and every search replays them (a suggested rate is snapped to the nearest recorded one), so what is compared is the
// search and scheduling logic alone. One JSON line per (system, sampler, scheduler), then the ratios.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const { createSampler, createScheduler } = require('@anneal/tune');
const here = dirname(fileURLToPath(import.meta.url));
const CURVES = join(here, '..', '.anneal', 'bench', 'tune-curves-digits.json');
const PYTHON = join(here, '..', '.venv-bench-tune', 'bin', 'python');
const SPACE = { lr: [5e-4, 5e-3], rates: 8, maxEpochs: 27, minEpochs: 3, eta: 3 };
const ARMS = [
  { candidate: 0, strategy: 'feature-extraction' },
  { candidate: 0, strategy: 'full' },
  { candidate: 1, strategy: 'full' },
];
const TRIALS = 24;
const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
const TOLERANCE = 0.005;

async function record() {
  const { transferSetup } = await import('./transfer-js.mjs');
  const { arm } = await transferSetup('tensorflow');
  const [lo, hi] = SPACE.lr.map(Math.log);
  const rates = Array.from({ length: SPACE.rates }, (_, i) => Number(Math.exp(lo + ((hi - lo) * i) / (SPACE.rates - 1)).toPrecision(3)));
  const curves = [];
  for (const a of ARMS) {
    for (const lr of rates) {
      // No early stopping: the whole curve, which each search then cuts where it stops.
      const { logs, started } = await arm(a.candidate === 1 ? 'scratch' : a.strategy, lr, SPACE.maxEpochs, 1000);
      const secondsPerEpoch = ((logs.at(-1).at - started) / 1000 / logs.length).toFixed(4);
      curves.push({ ...a, lr, curve: logs.map((l) => l.valAccuracy), secondsPerEpoch: Number(secondsPerEpoch) });
      process.stderr.write(`recorded ${a.candidate === 1 ? 'scratch' : a.strategy} lr=${lr}: best ${Math.max(...curves.at(-1).curve).toFixed(4)}\n`);
    }
  }
  mkdirSync(dirname(CURVES), { recursive: true });
  writeFileSync(CURVES, JSON.stringify({ task: 'digits 5-9 transfer', ...SPACE, tolerance: TOLERANCE, trials: TRIALS, seeds: SEEDS, rates, curves }));
}

/** The recorded arm a configuration trains: its model and strategy, at the recorded rate nearest its own (in log). */
function lookup(table, c) {
  const strategy = c.candidate === 1 ? 'full' : c.strategy;
  const rate = table.rates.reduce((a, b) => (Math.abs(Math.log(b / c.lr)) < Math.abs(Math.log(a / c.lr)) ? b : a));
  return table.curves.find((x) => x.candidate === c.candidate && x.strategy === strategy && x.lr === rate);
}

/** Validation accuracy after `epochs` epochs with the best weights kept (what a trial reports). */
const valueAt = (arm, epochs) => Math.max(...arm.curve.slice(0, epochs));

/** One Anneal search, one trial at a time: the same sampler and scheduler code the study workflow runs. */
function anneal(table, o) {
  const space = {
    learningRate: { min: table.lr[0], max: table.lr[1] },
    strategies: ['feature-extraction', 'full'],
    epochs: [table.maxEpochs],
    batchSize: 32,
    patience: 5,
    candidates: [{ pretrained: true }, { pretrained: false }],
  };
  const sampler = createSampler(o.sampler, space, { seed: o.seed, startup: 4 });
  const scheduler = createScheduler(o.scheduler, { maxEpochs: table.maxEpochs, trials: table.trials });
  const target = Math.max(...table.curves.map((c) => valueAt(c, table.maxEpochs))) - table.tolerance;
  const history = [];
  const trained = new Map();
  const cost = { epochs: 0, seconds: 0, best: 0 };
  let reached;
  let next = 0;
  const train = (trial, arm, from, to) => {
    for (let e = from + 1; e <= to; e++) {
      cost.epochs++;
      cost.seconds += arm.secondsPerEpoch;
      cost.best = Math.max(cost.best, valueAt(arm, e));
      if (!reached && cost.best >= target) reached = { epochs: cost.epochs, seconds: cost.seconds };
    }
    trained.set(trial, { arm, at: to });
  };
  for (;;) {
    const promotion = scheduler?.nextPromotion();
    if (promotion) {
      const t = trained.get(promotion.trial);
      train(promotion.trial, t.arm, t.at, promotion.epochs);
      scheduler.record(promotion.rung, {
        trial: promotion.trial,
        score: valueAt(t.arm, promotion.epochs),
        done: promotion.rung === scheduler.budgets.length - 1,
      });
    } else if (next < table.trials) {
      const [s] = sampler.suggest({ history, pending: [], index: next, count: 1 });
      const arm = lookup(table, { candidate: s.candidate, strategy: s.strategy, lr: s.learningRate });
      const epochs = scheduler ? scheduler.budgets[0] : table.maxEpochs;
      train(next, arm, 0, epochs);
      history.push({ suggestion: s, objective: valueAt(arm, epochs) });
      scheduler?.record(0, { trial: next, score: valueAt(arm, epochs), done: scheduler.budgets.length === 1 });
      next++;
    } else break;
  }
  return { epochs: reached?.epochs ?? null, seconds: reached?.seconds ?? null, spent: cost.epochs, best: cost.best };
}

/**
 * A seed that never reached the target within the trial budget counts as needing more than any that did: the median
 * is a number only when at least half of the seeds reached it.
 */
function summarize(system, sampler, scheduler, runs, table) {
  const median = (xs) => {
    const m = [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    return Number.isFinite(m) ? m : null;
  };
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    task: table.task,
    system,
    sampler,
    scheduler,
    seeds: runs.length,
    reached: runs.filter((r) => r.epochs !== null).length,
    medianEpochsToTarget: median(runs.map((r) => r.epochs ?? Infinity)),
    medianTrainingSecondsToTarget: round(median(runs.map((r) => r.seconds ?? Infinity))),
    meanEpochsSpent: round(mean(runs.map((r) => r.spent))),
    meanBestAccuracy: round(mean(runs.map((r) => r.best)), 4),
    target: round(Math.max(...table.curves.map((c) => valueAt(c, table.maxEpochs))) - table.tolerance, 4),
    trialBudget: table.trials,
  };
}

const round = (x, digits = 1) => (x === null ? null : Number(x.toFixed(digits)));

if (process.argv[2] === 'record' || !existsSync(CURVES)) await record();
const table = JSON.parse(readFileSync(CURVES, 'utf8'));
const asha = { kind: 'asha', minEpochs: table.minEpochs, reductionFactor: table.eta };
const lines = [];
for (const [sampler, scheduler] of [
  ['random', { kind: 'none' }],
  ['tpe', { kind: 'none' }],
  ['random', asha],
  ['tpe', asha],
]) {
  const runs = table.seeds.map((seed) => anneal(table, { sampler, scheduler, seed }));
  lines.push(summarize('anneal', sampler, scheduler.kind, runs, table));
}
if (existsSync(PYTHON)) {
  const { stdout } = await promisify(execFile)(PYTHON, [join(here, 'tune_peers.py'), CURVES], { maxBuffer: 16 << 20, timeout: 1_800_000 });
  for (const line of stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))) {
    const r = JSON.parse(line);
    lines.push(summarize(r.system, r.sampler, r.scheduler, r.runs, table));
  }
} else console.error('no Optuna / Ray Tune anchor: npm run bench:tune sets them up (bench/setup-venv.sh)');
for (const l of lines) console.log(JSON.stringify(l));
const find = (system, sampler, scheduler) => lines.find((l) => l.system === system && l.sampler === sampler && l.scheduler === scheduler);
const base = find('anneal', 'random', 'none');
for (const l of lines.filter((x) => x !== base)) {
  const ratio = (key) => (l[key] !== null && base[key] !== null ? round(l[key] / base[key], 3) : null);
  console.log(
    JSON.stringify({
      ratio: `${l.system} ${l.sampler}+${l.scheduler} / anneal random`,
      epochsToTarget: ratio('medianEpochsToTarget'),
      epochsSpent: ratio('meanEpochsSpent'),
    }),
  );
}

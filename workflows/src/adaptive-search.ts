import { isCancellation } from '@temporalio/workflow';
import type { CheckpointRef, Objective, PreparedCandidate, TuningSpec } from '@anneal/contracts';
import {
  createSampler,
  createScheduler,
  describePicks,
  hyperparametersOf,
  scoreOf,
  type Observation,
  type SamplerName,
  type SchedulerState,
  type SearchSpace,
  type Suggestion,
} from '@anneal/tune';
import { carryTrial, restoreTrial, type CarriedTrial } from './carried-trials';
import type { EpochReports, EpochReportState } from './epoch-reports';
import { runTrial } from './run-trial';
import { rootCauseMessage, type FailedTrial } from './settle';
import type { TrialInput, TrialResult } from './trial';
import { armTrials, rowOf, type TrialRow } from './trial-table';

export interface AdaptiveSearchOptions {
  /**
   * The candidates searched, with their index among the spec's: one, or (with `select: search`) all of them, and then
   * the space's `candidates` lists them in the same order and each suggestion names one.
   */
  models: { index: number; prepared: PreparedCandidate }[];
  space: SearchSpace;
  search: {
    sampler: SamplerName;
    trials: number;
    seed: number;
    parallelism: number;
    gridPoints: number;
    startupTrials: number;
    warmStart: readonly Suggestion[];
    objective: Objective;
    scheduler: TuningSpec['scheduler'];
    /** A study workflow continues as new once its history has this many events (default: when Temporal suggests it). */
    continueAsNewAfterEvents?: number;
  };
  common: Omit<TrialInput, 'label' | 'model' | 'hyperparameters'>;
  /** Whether trial labels name the candidate (several are searched, together or side by side). */
  named: boolean;
  idOf: (candidate: number, i: number) => string;
  onTrialDone: () => void;
}

/** What the scheduler decided at the end of a rung: the study's decision log, one line a rung run. */
export interface Decision {
  trial: number;
  rung: number;
  epochs: number;
  /** The objective's score (higher is better); null for a failed run. */
  score: number | null;
  decision: 'completed' | 'paused' | 'promoted' | 'stopped early' | 'not promoted' | 'failed';
  runId?: string;
  /**
   * Epochs the trial had trained when the rung run ended: below `epochs` where early stopping ended it (absent for a
   * failed run, and in results recorded before it).
   */
  reached?: number;
}

/**
 * Epochs trained in all: each rung run trains from where the trial's previous one ended, up to its budget or until
 * early stopping ends it (a decision before `reached` existed counts its budget). Decisions in the order they were taken.
 */
export function epochsTrained(decisions: readonly Decision[]): number {
  const reached = new Map<number, number>();
  let epochs = 0;
  for (const d of decisions) {
    const to = d.reached ?? d.epochs;
    epochs += to - (reached.get(d.trial) ?? 0);
    reached.set(d.trial, to);
  }
  return epochs;
}

interface Started {
  trial: number;
  rung: number;
  epochs: number;
  suggestion: Suggestion;
  label: string;
}
type Ended = Started & ({ ok: true; result: TrialResult } | { ok: false; error: unknown });

export interface SearchResult {
  /** The whole result of each trial an arm can come from (the best of each candidate and strategy). */
  trials: { candidate: number; result: TrialResult }[];
  /** Every finished trial in brief, in trial order. Absent in results recorded before it: then `trials` has them all. */
  table?: TrialRow[];
  failed: FailedTrial[];
  decisions: Decision[];
  /** The study's MLflow run (absent when the search ran inline, or in results recorded before studies had runs). */
  studyRunId?: string;
  /** Distinct (trial, epoch) reports the study heard, and the best epoch among them (absent when not listened to). */
  epochReports?: EpochReportState;
}

/** What a study carries into its next run when it continues as new: all the loop knows, as plain JSON. */
export interface StudyState {
  next: number;
  history: { suggestion: Suggestion; objective: number | null }[];
  /** The latest result of the trials still needed: paused ones (a promotion goes on from it) and arm bests. */
  latest: CarriedTrial[];
  /** Every finished trial in brief (absent in states carried before it: then `latest` has them all). */
  rows?: TrialRow[];
  failed: FailedTrial[];
  decisions: Decision[];
  scheduler?: SchedulerState;
  reports?: EpochReportState;
}

export interface StudyControl {
  /** Where the study's previous run left off. */
  state?: StudyState;
  /** True once the study should start nothing more and, when the running ones are in, hand its state on. */
  draining?: () => boolean;
  /** The study listening to its trials' epochs: its workflow (where they report) and its fold of the reports. */
  listening?: { workflowId: string; reports: EpochReports };
}

/**
 * A study that learns as it goes. `parallelism` trial runs train at once; as each ends, its objective score joins the
 * sampler's history and the next run starts: with a scheduler (ASHA, SHA, median), the promotion of a paused trial
 * to its next rung when one is due (going on from its checkpoint), otherwise a new trial from the sampler, which
 * knows what is still running. Deterministic on replay: runs end in the order the history records, and sampler and
 * scheduler are pure. A failed run is recorded and the study goes on; a cancelled workflow stops here.
 */
export async function adaptiveSearch(o: AdaptiveSearchOptions): Promise<SearchResult> {
  return ((await runSearch(o)) as { done: SearchResult }).done;
}

/**
 * The study's loop, from a carried state when given. While `draining`, it starts nothing; once nothing runs, it
 * returns its state when work is left (the caller continues as new with it), else its result.
 */
export async function runSearch(o: AdaptiveSearchOptions, control: StudyControl = {}): Promise<{ done: SearchResult } | { carried: StudyState }> {
  const { search } = o;
  const draining = control.draining ?? (() => false);
  const sampler = createSampler(search.sampler, o.space, {
    seed: search.seed,
    gridPoints: search.gridPoints,
    startup: search.startupTrials,
    warmStart: search.warmStart,
  });
  const maxEpochs = Math.max(...o.space.epochs);
  const scheduler = createScheduler(search.scheduler, { maxEpochs, trials: search.trials });
  const history: Observation[] = [];
  // Each trial's latest rung result, and what it was started with (a promotion goes on with the same).
  const latest = new Map<number, { result: TrialResult; suggestion: Suggestion }>();
  const rows = new Map<number, TrialRow>();
  const running = new Map<string, { started: Started; ended: Promise<Ended> }>();
  const failed: FailedTrial[] = [];
  const decisions: Decision[] = [];
  let next = 0;
  if (control.state) {
    const s = control.state;
    next = s.next;
    // JSON has no -Infinity or NaN: a score that was one comes back as null, and counts as the worst.
    history.push(...s.history.map((h) => ({ suggestion: h.suggestion, objective: h.objective ?? -Infinity })));
    // States carried before rows existed have every trial's whole result, and their rows are made from it.
    (s.rows ?? s.latest.map((t) => rowOf({ trial: t.trial, candidate: modelOf(o, t.suggestion).index, result: restoreTrial(t, undefined, o.space) }))).forEach(
      (r) => rows.set(r.trial, r),
    );
    s.latest.forEach((t) => latest.set(t.trial, { result: restoreTrial(t, rows.get(t.trial), o.space), suggestion: t.suggestion }));
    failed.push(...s.failed);
    decisions.push(...s.decisions);
    if (s.scheduler) scheduler?.restore(s.scheduler);
  }
  const listening = control.listening;
  const launch = (s: Omit<Started, 'label'>, resumeFrom?: CheckpointRef) => {
    const started = { ...s, label: labelOf(o, s) };
    listening?.reports.started(s.trial);
    const report = listening ? { workflowId: listening.workflowId, trial: s.trial } : undefined;
    running.set(`${s.trial}:${s.rung}`, {
      started,
      ended: start(o, started, { report, rung: scheduler ? { stopAfterEpochs: s.epochs, ...(resumeFrom ? { resumeFrom } : {}) } : undefined }),
    });
  };
  for (;;) {
    while (running.size < search.parallelism && !draining()) {
      const promotion = scheduler?.nextPromotion();
      if (promotion) {
        const from = latest.get(promotion.trial) as { result: TrialResult; suggestion: Suggestion };
        launch({ trial: promotion.trial, rung: promotion.rung, epochs: promotion.epochs, suggestion: from.suggestion }, from.result.fineTune.checkpoint);
      } else if (next < search.trials) {
        const pending = [...running.values()].map((r) => r.started.suggestion);
        const [suggestion] = sampler.suggest({ history, pending, index: next, count: 1 }) as [Suggestion];
        const first = scheduler ? { ...suggestion, epochs: maxEpochs } : suggestion;
        launch({ trial: next++, rung: 0, epochs: scheduler ? (scheduler.budgets[0] as number) : suggestion.epochs, suggestion: first });
      } else break;
    }
    if (running.size === 0) {
      if (draining() && (next < search.trials || scheduler?.hasPromotion())) {
        // A paused trial may still be promoted, and a trial that is done may stay its arm's best: the rest is a row.
        const paused = lastDecisions(decisions, 'paused');
        const bests = armTrials(
          inOrder(rows).filter((r) => !paused.has(r.trial)),
          search.objective,
        );
        const needed = (trial: number) => paused.has(trial) || bests.has(trial);
        const carried: StudyState = {
          next,
          history: history.map((h) => ({ suggestion: h.suggestion, objective: Number.isFinite(h.objective) ? h.objective : null })),
          latest: [...latest].filter(([trial]) => needed(trial)).map(([trial, t]) => carryTrial(trial, t)),
          rows: inOrder(rows),
          failed,
          decisions,
          ...(scheduler ? { scheduler: scheduler.snapshot() } : {}),
          ...(listening ? { reports: listening.reports.snapshot() } : {}),
        };
        return { carried };
      }
      break;
    }
    const ended = await Promise.race([...running.values()].map((r) => r.ended));
    running.delete(`${ended.trial}:${ended.rung}`);
    listening?.reports.ended(ended.trial);
    if (ended.rung === 0) o.onTrialDone();
    if (!ended.ok) {
      if (isCancellation(ended.error)) throw ended.error;
      failed.push({ label: ended.label, error: rootCauseMessage(ended.error) });
      scheduler?.record(ended.rung, { trial: ended.trial, score: -Infinity, done: true }); // a synchronous rung counts it
      decisions.push({ trial: ended.trial, rung: ended.rung, epochs: ended.epochs, score: null, decision: 'failed' });
      continue;
    }
    const score = scoreOf(search.objective, ended.result.validation);
    latest.set(ended.trial, { result: ended.result, suggestion: ended.suggestion });
    rows.set(ended.trial, rowOf({ trial: ended.trial, candidate: modelOf(o, ended.suggestion).index, result: ended.result }));
    if (ended.rung === 0) history.push({ suggestion: ended.suggestion, objective: score });
    const last = !scheduler || ended.rung === scheduler.budgets.length - 1;
    const stopped = ended.result.fineTune.stoppedEarly;
    scheduler?.record(ended.rung, { trial: ended.trial, score, done: last || stopped });
    decisions.push({
      trial: ended.trial,
      rung: ended.rung,
      epochs: ended.epochs,
      score,
      decision: stopped ? 'stopped early' : last ? 'completed' : 'paused',
      runId: ended.result.trialRunId,
      reached: ended.result.fineTune.epochsRun,
    });
  }
  const table = inOrder(rows);
  const trials = [...armTrials(table, search.objective)].map((trial) => {
    // Every arm's best was kept whole: a paused trial is, and a finished best-so-far stays until beaten by a later one.
    const t = latest.get(trial);
    if (!t) throw new Error(`study: the whole result of trial ${trial}, an arm's best, was not kept`);
    return { candidate: modelOf(o, t.suggestion).index, result: t.result };
  });
  const settled = settleDecisions(decisions, { synchronous: search.scheduler.kind === 'sha' });
  return { done: { trials, table, failed, decisions: settled, ...(listening ? { epochReports: listening.reports.snapshot() } : {}) } };
}

function inOrder(rows: Map<number, TrialRow>): TrialRow[] {
  return [...rows.values()].sort((a, b) => a.trial - b.trial);
}

/** The trials whose latest decision so far is this one. */
function lastDecisions(decisions: readonly Decision[], which: Decision['decision']): Set<number> {
  const last = new Map<number, Decision['decision']>();
  decisions.forEach((d) => last.set(d.trial, d.decision));
  return new Set([...last].filter(([, d]) => d === which).map(([trial]) => trial));
}

/**
 * A paused rung is `promoted` when the trial ran its next rung, and `not promoted` when the study ended first. A
 * synchronous study decides a rung once all of it is in, so its log lists each rung's trials in trial order, not in
 * the order they happened to end: the same log with one worker or two, killed or not.
 */
function settleDecisions(decisions: Decision[], o: { synchronous: boolean }): Decision[] {
  const ran = new Set(decisions.map((d) => `${d.trial}:${d.rung}`));
  const settled = decisions.map((d): Decision =>
    d.decision === 'paused' ? { ...d, decision: ran.has(`${d.trial}:${d.rung + 1}`) ? 'promoted' : 'not promoted' } : d,
  );
  return o.synchronous ? settled.sort((a, b) => a.rung - b.rung || a.trial - b.trial) : settled;
}

/** The candidate a suggestion trains: the one it names, or the only one searched. */
function modelOf(o: AdaptiveSearchOptions, s: Suggestion): AdaptiveSearchOptions['models'][number] {
  return o.models[s.candidate ?? 0] as AdaptiveSearchOptions['models'][number];
}

function labelOf(o: AdaptiveSearchOptions, s: Omit<Started, 'label'>): string {
  const rung = o.search.scheduler.kind === 'none' ? '' : `, rung ${s.rung}: ${s.epochs} epochs`;
  const picks = describePicks(o.space.dimensions, s.suggestion.picks);
  return `trial ${s.trial} ${o.named ? `${modelOf(o, s.suggestion).prepared.label} ` : ''}${s.suggestion.strategy} lr=${s.suggestion.learningRate} epochs=${s.suggestion.epochs}${picks ? ` ${picks}` : ''} (${o.search.sampler}${rung})`;
}

function start(o: AdaptiveSearchOptions, s: Started, how: Pick<TrialInput, 'rung' | 'report'>): Promise<Ended> {
  const hp = hyperparametersOf(o.space, s.suggestion);
  const model = modelOf(o, s.suggestion);
  const id = `${o.idOf(model.index, s.trial)}${s.rung > 0 ? `-rung-${s.rung}` : ''}`;
  const { rung, report } = how;
  return runTrial(id, {
    ...o.common,
    label: s.label,
    model: model.prepared.model,
    hyperparameters: hp,
    ...(rung ? { rung } : {}),
    ...(report ? { report } : {}),
  }).then(
    (result): Ended => ({ ...s, ok: true, result }),
    (error: unknown): Ended => ({ ...s, ok: false, error }),
  );
}

import type { Hyperparameters, PreparedCandidate } from '@anneal/contracts';
import { bestBy, dimensionsOf, randomSearch, scoreOf, strategiesFor, type SearchSpace } from '@anneal/tune';
import type { AdaptiveSearchOptions, Decision } from './adaptive-search';
import { runTrial } from './run-trial';
import { runStudy, trialId, type TrialIds } from './study';
import { everyFailed, settleAll, type FailedTrial } from './settle';
import type { TrialInput, TrialResult } from './trial';
import { rowOf, type TrialRow } from './trial-table';

/** A finished trial and the candidate it trained. */
export interface CandidateTrial {
  candidate: number;
  result: TrialResult;
}

export interface Searched {
  probes: CandidateTrial[];
  /** Whole results: every trial an arm can come from (a study keeps no more than those). */
  trials: CandidateTrial[];
  /** Every finished trial in brief. */
  table: TrialRow[];
  failed: FailedTrial[];
  /** What a scheduled study decided at each rung (empty without one). */
  decisions: Decision[];
  /** The MLflow runs of the studies that ran (each with its trials as children and its own report). */
  studyRunIds: string[];
  /** The probe's pick (`probe`); undefined when the search chose (`search`) or every candidate was tuned (`all`). */
  selected?: number;
}

export interface SearchOptions {
  workflowId: string;
  candidates: PreparedCandidate[];
  /** Everything a trial takes but its label, model and hyperparameters. */
  common: Omit<TrialInput, 'label' | 'model' | 'hyperparameters'>;
  space: SearchSpace;
  search: AdaptiveSearchOptions['search'];
  /** The probe's hyperparameters; its strategy follows the candidate. */
  probe: Omit<Hyperparameters, 'strategy'>;
  onTrialDone: () => void;
}

/**
 * `probe`: a short probe of every candidate picks one, and the search tunes it. A pretrained candidate is probed as it
 * is meant to be used, by feature extraction (a cheap test of its features); a from-scratch net trains fully.
 */
export async function probeThenTune(o: SearchOptions): Promise<Searched> {
  const probed = await settleAll(
    o.candidates.map((c, i) => {
      const label = `probe ${c.label}`;
      const hyperparameters = { ...o.probe, strategy: c.pretrained ? ('feature-extraction' as const) : ('full' as const) };
      return { label, run: runTrial(`${o.workflowId}/probe-${i}`, { ...o.common, label, model: c.model, hyperparameters }) };
    }),
    'probe',
  );
  const probes = probed.succeeded.map((p) => ({ candidate: p.index, result: p.value }));
  const selected = (probes[bestBy(probes, (p) => scoreOf(o.search.objective, p.result.validation))] as CandidateTrial).candidate;
  const tuned = await tune(o, [selected], { prefix: o.workflowId, perCandidate: false });
  return { probes, ...tuned, failed: [...probed.failed, ...tuned.failed], selected };
}

/**
 * `search`: one search over every candidate, the candidate a dimension of the space the sampler chooses from (and
 * learns, with TPE); with a scheduler, a candidate's poor first rungs stop it the way a probe would have.
 */
export async function searchTogether(o: SearchOptions): Promise<Searched> {
  const space = { ...o.space, candidates: o.candidates.map((c) => ({ pretrained: c.pretrained })) };
  const searched = await runStudy(
    {
      options: {
        models: o.candidates.map((prepared, index) => ({ index, prepared })),
        space,
        search: o.search,
        common: o.common,
        named: o.candidates.length > 1,
      },
      ids: { prefix: o.workflowId, perCandidate: false },
    },
    o.onTrialDone,
  );
  if (searched.trials.length === 0) throw everyFailed('trial', searched.failed);
  return { probes: [], ...searched, table: tableOf(searched), studyRunIds: runsOf([searched]) };
}

/** `all`: every candidate gets the whole search (its own trials), and the best trial of any wins. */
export async function tuneEvery(o: SearchOptions): Promise<Searched> {
  return {
    probes: [],
    ...(await tune(
      o,
      o.candidates.map((_c, i) => i),
      { prefix: o.workflowId, perCandidate: true },
    )),
  };
}

/** The most trials a random search starts at once from fineTune's own history. */
const PLANNED_TRIALS = 64;

type Tuned = Omit<Searched, 'probes' | 'selected'>;

function runsOf(studies: { studyRunId?: string }[]): string[] {
  return studies.flatMap((s) => (s.studyRunId ? [s.studyRunId] : []));
}

/** A study's table; results recorded before studies kept one list every trial whole. */
function tableOf(s: { trials: CandidateTrial[]; table?: TrialRow[] }): TrialRow[] {
  return s.table ?? s.trials.map((t, trial) => rowOf({ trial, ...t }));
}

/** One candidate's space: the strategies it can take. */
function spaceFor(o: SearchOptions, c: PreparedCandidate): SearchSpace {
  return { ...o.space, strategies: strategiesFor({ ...o.space, candidates: [c] }, 0) };
}

function tune(o: SearchOptions, candidates: number[], ids: TrialIds): Promise<Tuned> {
  // Drawn up front and started at once, from fineTune itself: only a small plain random search. Anything else (and a
  // long random search, whose history would grow with it) is a study workflow that continues as new.
  const plain = o.search.sampler === 'random' && o.search.warmStart.length === 0 && o.search.scheduler.kind === 'none';
  const planned = plain && dimensionsOf(o.space.dimensions).length === 0 && o.search.trials <= PLANNED_TRIALS;
  return planned ? tunePlanned(o, candidates, ids) : tuneAdaptively(o, candidates, ids);
}

/** Every candidate's search at once, each suggesting its trials from its own results. */
async function tuneAdaptively(o: SearchOptions, candidates: number[], ids: TrialIds): Promise<Tuned> {
  const searched = await Promise.all(
    candidates.map((candidate) => {
      const prepared = o.candidates[candidate] as PreparedCandidate;
      const options = {
        models: [{ index: candidate, prepared }],
        space: spaceFor(o, prepared),
        search: o.search,
        common: o.common,
        named: candidates.length > 1,
      };
      return runStudy({ options, ids }, o.onTrialDone);
    }),
  );
  const tuned = {
    trials: searched.flatMap((s) => s.trials),
    table: searched.flatMap(tableOf),
    failed: searched.flatMap((s) => s.failed),
    decisions: searched.flatMap((s) => s.decisions),
    studyRunIds: runsOf(searched),
  };
  if (tuned.trials.length === 0) throw everyFailed('trial', tuned.failed);
  return tuned;
}

/** `random`: every trial drawn up front and started at once. */
async function tunePlanned(o: SearchOptions, candidates: number[], ids: TrialIds): Promise<Tuned> {
  const planned = candidates.flatMap((candidate) => {
    const c = o.candidates[candidate] as PreparedCandidate;
    return randomSearch(spaceFor(o, c), o.search).map((hp, i) => ({ candidate, i, hp, c }));
  });
  const named = candidates.length > 1;
  const settled = await settleAll(
    planned.map(({ candidate, i, hp, c }) => {
      const label = `trial ${i} ${named ? `${c.label} ` : ''}${hp.strategy} lr=${hp.learningRate} epochs=${hp.epochs}`;
      const run = runTrial(trialId(ids, candidate, i), { ...o.common, label, model: c.model, hyperparameters: hp });
      return { label, run: run.finally(o.onTrialDone) };
    }),
    'trial',
  );
  const done = settled.succeeded.map((s) => ({ ...(planned[s.index] as { candidate: number; i: number }), result: s.value }));
  return {
    trials: done.map(({ candidate, result }) => ({ candidate, result })),
    table: done.map(({ candidate, i, result }) => rowOf({ trial: i, candidate, result })),
    failed: settled.failed,
    decisions: [],
    studyRunIds: [],
  };
}

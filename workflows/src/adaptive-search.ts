import { isCancellation } from '@temporalio/workflow';
import type { Objective, PreparedCandidate } from '@anneal/contracts';
import { createSampler, hyperparametersOf, scoreOf, type Observation, type SamplerName, type SearchSpace, type Suggestion } from '@anneal/tune';
import { runTrial } from './run-trial';
import { rootCauseMessage, type FailedTrial } from './settle';
import type { TrialInput, TrialResult } from './trial';

export interface AdaptiveSearchOptions {
  candidate: number;
  prepared: PreparedCandidate;
  space: SearchSpace;
  search: { sampler: SamplerName; trials: number; seed: number; parallelism: number; gridPoints: number; startupTrials: number; warmStart: readonly Suggestion[]; objective: Objective };
  common: Omit<TrialInput, 'label' | 'model' | 'hyperparameters'>;
  /** Whether trial labels name the candidate (several are searched). */
  named: boolean;
  idOf: (candidate: number, i: number) => string;
  onTrialDone: () => void;
}

type Ended = { i: number; suggestion: Suggestion; label: string } & ({ ok: true; result: TrialResult } | { ok: false; error: unknown });

/**
 * A search that learns as it goes: `parallelism` trials run; as each ends, its objective score joins the history
 * and the sampler suggests the next, knowing which are still running (the sampler's parallel rule). Deterministic on
 * replay: trials end in the order the history records, and the sampler is pure. A failed trial is recorded and left
 * out of the history; a cancelled workflow stops here.
 */
export async function adaptiveSearch(o: AdaptiveSearchOptions): Promise<{ trials: { candidate: number; result: TrialResult }[]; failed: FailedTrial[] }> {
  const { search } = o;
  const sampler = createSampler(search.sampler, o.space, { seed: search.seed, gridPoints: search.gridPoints, startup: search.startupTrials, warmStart: search.warmStart });
  const history: Observation[] = [];
  const running = new Map<number, { suggestion: Suggestion; ended: Promise<Ended> }>();
  const trials: { candidate: number; result: TrialResult }[] = [];
  const failed: FailedTrial[] = [];
  let next = 0;
  while (next < search.trials || running.size > 0) {
    while (running.size < search.parallelism && next < search.trials) {
      const pending = [...running.values()].map((r) => r.suggestion);
      const [suggestion] = sampler.suggest({ history, pending, index: next, count: 1 }) as [Suggestion];
      running.set(next, { suggestion, ended: start(o, next, suggestion) });
      next++;
    }
    const ended = await Promise.race([...running.values()].map((r) => r.ended));
    running.delete(ended.i);
    if (ended.ok) {
      trials.push({ candidate: o.candidate, result: ended.result });
      history.push({ suggestion: ended.suggestion, objective: scoreOf(search.objective, ended.result.validation) });
    } else if (isCancellation(ended.error)) {
      throw ended.error;
    } else {
      failed.push({ label: ended.label, error: rootCauseMessage(ended.error) });
    }
  }
  return { trials, failed };
}

function start(o: AdaptiveSearchOptions, i: number, suggestion: Suggestion): Promise<Ended> {
  const hp = hyperparametersOf(o.space, suggestion);
  const label = `trial ${i} ${o.named ? `${o.prepared.label} ` : ''}${hp.strategy} lr=${hp.learningRate} epochs=${hp.epochs} (${o.search.sampler})`;
  return runTrial(o.idOf(o.candidate, i), { ...o.common, label, model: o.prepared.model, hyperparameters: hp })
    .then((result): Ended => ({ i, suggestion, label, ok: true, result }), (error: unknown): Ended => ({ i, suggestion, label, ok: false, error }))
    .finally(o.onTrialDone);
}

import { continueAsNew, defineSignal, executeChild, getExternalWorkflowHandle, ParentClosePolicy, patched, workflowInfo } from '@temporalio/workflow';
import { adaptiveSearch, runSearch, type AdaptiveSearchOptions, type SearchResult, type StudyState } from './adaptive-search';

/** How a study names its trials' workflows: `<prefix>/trial-<i>`, or `<prefix>/c<candidate>-trial-<i>` per candidate. */
export interface TrialIds {
  prefix: string;
  perCandidate: boolean;
}

export interface StudyInput {
  options: Omit<AdaptiveSearchOptions, 'idOf' | 'onTrialDone'>;
  ids: TrialIds;
  /** Where the previous run of the study left off. */
  state?: StudyState;
}

/** Sent to the parent (fineTune) as each trial's first rung ends: its progress counts trials. */
export const trialDoneSignal = defineSignal('trialDone');

/**
 * A study as a workflow of its own: it owns the search (sampler, scheduler, trials) and its state. When its history
 * grows long, it starts nothing new, lets the running trials end, and continues as new with that state, so a long
 * study never meets Temporal's history limits; the same decisions follow, as sampler and scheduler are pure.
 */
export async function study(input: StudyInput): Promise<SearchResult> {
  const parent = workflowInfo().parent;
  const notified: Promise<void>[] = [];
  const notify = () => {
    // Progress only: a parent that has gone (cancelled, terminated) has nothing to count.
    if (parent)
      notified.push(
        getExternalWorkflowHandle(parent.workflowId)
          .signal(trialDoneSignal)
          .catch(() => undefined),
      );
  };
  const outcome = await runSearch(
    { ...input.options, idOf: idsOf(input.ids), onTrialDone: notify },
    {
      ...(input.state ? { state: input.state } : {}),
      draining: () => {
        const info = workflowInfo();
        const after = input.options.search.continueAsNewAfterEvents;
        return info.continueAsNewSuggested || (after !== undefined && info.historyLength >= after);
      },
    },
  );
  // Signals still in flight when a run ends would be dropped with it.
  await Promise.all(notified);
  if ('carried' in outcome) return continueAsNew<typeof study>({ ...input, state: outcome.carried });
  return outcome.done;
}

/**
 * The seam fineTune searches through: a `study` child workflow (`<prefix>/study`, per candidate
 * `<prefix>/study-c<candidate>`); histories recorded before studies were workflows replay the search inline.
 */
export function runStudy(input: StudyInput, onTrialDone: () => void): Promise<SearchResult> {
  if (!patched('study-workflow')) return adaptiveSearch({ ...input.options, idOf: idsOf(input.ids), onTrialDone });
  const own = input.ids.perCandidate ? `-c${input.options.models[0]?.index}` : '';
  // Should fineTune end while the study runs, the study is asked to cancel, and cancels its trials in turn.
  return executeChild(study, { workflowId: `${input.ids.prefix}/study${own}`, args: [input], parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL });
}

export function trialId(ids: TrialIds, candidate: number, i: number): string {
  return ids.perCandidate ? `${ids.prefix}/c${candidate}-trial-${i}` : `${ids.prefix}/trial-${i}`;
}

function idsOf(ids: TrialIds): AdaptiveSearchOptions['idOf'] {
  return (candidate, i) => trialId(ids, candidate, i);
}

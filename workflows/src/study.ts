import {
  CancellationScope,
  continueAsNew,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { adaptiveSearch, runSearch, type AdaptiveSearchOptions, type SearchResult } from './adaptive-search';
import type { StudyInput, TrialIds } from './study-input';
import { closeStudyRun, openStudyRun, underStudyRun } from './study-run';

export type { StudyInput, TrialIds };
import { activitiesFor } from './proxies';

/** Sent to the parent (fineTune) as each trial's first rung ends: its progress counts trials. */
export const trialDoneSignal = defineSignal('trialDone');

/**
 * A study as a workflow of its own: it owns the search (sampler, scheduler, trials) and its state. When its history
 * grows long, it starts nothing new, lets the running trials end, and continues as new with that state, so a long
 * study never meets Temporal's history limits; the same decisions follow, as sampler and scheduler are pure.
 */
export async function study(input: StudyInput): Promise<SearchResult> {
  const acts = activitiesFor(input.options.common.durability);
  // Studies started before they had a run of their own replay without one.
  const runId = input.runId ?? (patched('study-run') ? await openStudyRun(acts, input) : undefined);
  const options = runId ? underStudyRun(input.options, runId) : input.options;
  const notified: Promise<void>[] = [];
  let outcome: Awaited<ReturnType<typeof runSearch>>;
  try {
    outcome = await runSearch(
      { ...options, idOf: idsOf(input.ids), onTrialDone: notifier(notified) },
      {
        ...(input.state ? { state: input.state } : {}),
        draining: () => {
          const info = workflowInfo();
          const after = input.options.search.continueAsNewAfterEvents;
          return info.continueAsNewSuggested || (after !== undefined && info.historyLength >= after);
        },
      },
    );
  } catch (err) {
    const status = isCancellation(err) ? 'KILLED' : 'FAILED';
    if (runId) await CancellationScope.nonCancellable(() => acts.tracking.closeRun({ runId, status }));
    throw err;
  }
  // Signals still in flight when a run ends would be dropped with it.
  await Promise.all(notified);
  if ('carried' in outcome) return continueAsNew<typeof study>({ ...input, state: outcome.carried, ...(runId ? { runId } : {}) });
  if (!runId) return outcome.done;
  await closeStudyRun(acts, { options, runId, result: outcome.done });
  return { ...outcome.done, studyRunId: runId };
}

/** Counts a finished trial on the parent (fineTune's progress). A parent that has gone has nothing to count. */
function notifier(notified: Promise<void>[]): () => void {
  const parent = workflowInfo().parent;
  return () => {
    if (parent)
      notified.push(
        getExternalWorkflowHandle(parent.workflowId)
          .signal(trialDoneSignal)
          .catch(() => undefined),
      );
  };
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

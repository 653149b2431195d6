import {
  CancellationScope,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { TRIAL_EPOCH_SIGNAL, type TrialEpochReport } from '@anneal/contracts';
import { adaptiveSearch, runSearch, type AdaptiveSearchOptions, type SearchResult } from './adaptive-search';
import type { StudyInput, TrialIds } from './study-input';
import { EpochReports, type BestEpoch, type EpochReportState, type LiveTrial } from './epoch-reports';
import { closeStudyRun, openStudyRun, underStudyRun } from './study-run';
import { packState, unpackState } from './packed-state';

export type { StudyInput, TrialIds };
import { activitiesFor } from './proxies';

/** Sent to the parent (fineTune) as each trial's first rung ends: its progress counts trials. */
export const trialDoneSignal = defineSignal('trialDone');
/** Sent to the parent when a trial's epoch beats every epoch reported before it (fineTune's progress shows it). */
export const studyBestSignal = defineSignal<[BestEpoch]>('studyBest');
/** A trial's epoch, from its training activity. */
export const trialEpochSignal = defineSignal<[TrialEpochReport]>(TRIAL_EPOCH_SIGNAL);

/** What `temporal workflow query --type studyProgress` answers: the running trials' latest epochs, and the best. */
export interface StudyProgress extends EpochReportState {
  running: LiveTrial[];
}
export const studyProgressQuery = defineQuery<StudyProgress>('studyProgress');

/**
 * A study as a workflow of its own: it owns the search (sampler, scheduler, trials) and its state. When its history
 * grows long, it starts nothing new, lets the running trials end, and continues as new with that state, so a long
 * study never meets Temporal's history limits; the same decisions follow, as sampler and scheduler are pure. The
 * state comes packed (`packed`), or, from a run that continued as new before states were packed, in `input.state`.
 */
export async function study(input: StudyInput, packed?: Uint8Array): Promise<SearchResult> {
  const state = packed ? unpackState(packed) : input.state;
  const acts = activitiesFor(input.options.common.durability);
  // Studies started before they had a run of their own replay without one.
  const runId = input.runId ?? (patched('study-run') ? await openStudyRun(acts, input) : undefined);
  const options = runId ? underStudyRun(input.options, runId) : input.options;
  const notified: Promise<void>[] = [];
  const reports = listen(input, state?.reports, notified);
  let outcome: Awaited<ReturnType<typeof runSearch>>;
  try {
    outcome = await runSearch(
      { ...options, idOf: idsOf(input.ids), onTrialDone: notifier(notified) },
      {
        ...(state ? { state } : {}),
        listening: { workflowId: workflowInfo().workflowId, reports },
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
  if ('carried' in outcome) {
    // Not the state the input may have come with (JSON drops an undefined field): the state goes on packed, beside it.
    return continueAsNew<typeof study>({ ...input, state: undefined, ...(runId ? { runId } : {}) }, packState(outcome.carried));
  }
  if (!runId) return outcome.done;
  await closeStudyRun(acts, { options, runId, result: outcome.done });
  return { ...outcome.done, studyRunId: runId };
}

/** Counts a finished trial on the parent (fineTune's progress). */
function notifier(notified: Promise<void>[]): () => void {
  return () => toParent(notified, (parent) => parent.signal(trialDoneSignal));
}

/** Takes the trials' epoch reports, answers `studyProgress`, and tells the parent of each new best epoch. */
function listen(input: StudyInput, carried: EpochReportState | undefined, notified: Promise<void>[]): EpochReports {
  const reports = new EpochReports({
    objective: input.options.search.objective,
    ...(carried ? { carried } : {}),
    onBetter: (best) => toParent(notified, (parent) => parent.signal(studyBestSignal, best)),
  });
  setHandler(trialEpochSignal, (r) => void reports.take(r));
  setHandler(studyProgressQuery, () => ({ ...reports.snapshot(), running: reports.live() }));
  return reports;
}

/** A signal to the parent, if any. A parent that has gone has nothing to hear. */
function toParent(notified: Promise<void>[], send: (parent: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>): void {
  const parent = workflowInfo().parent;
  if (parent) notified.push(send(getExternalWorkflowHandle(parent.workflowId)).catch(() => undefined));
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

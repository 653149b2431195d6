import { defineQuery, setHandler } from '@temporalio/workflow';
import { announcePipeline, type PipelineIdentity, type Visibility } from './search-attributes';
import { better, type BestEpoch } from './epoch-reports';
import { studyBestSignal, trialDoneSignal } from './study';

export interface FineTuneProgress {
  stage: string;
  trialsDone: number;
  trialsTotal: number;
  /** `dataArrived` notifications received (`anneal data arrived` signals-with-start one retrain per data digest). */
  notifications?: number;
  /** The best epoch any trial has reported so far (its studies signal it as it improves). */
  best?: BestEpoch;
}

export const progressQuery = defineQuery<FineTuneProgress>('progress');

export interface SearchProgress {
  progress: FineTuneProgress;
  visibility: Visibility;
  /** Moves the pipeline to a stage: in its progress and its search attributes. */
  enter: (stage: string) => void;
}

/**
 * A searching pipeline's progress (what `anneal start` shows) and search attributes, from its first stage: trials
 * are counted as its studies signal them. The caller answers `progressQuery` (fineTune adds who must approve).
 */
export function trackSearch(identity: PipelineIdentity & { trials: number }): SearchProgress {
  const { trials, ...pipeline } = identity;
  const progress: FineTuneProgress = { stage: 'data', trialsDone: 0, trialsTotal: trials };
  const visibility = announcePipeline(pipeline);
  const enter = (stage: string): void => {
    progress.stage = stage;
    visibility.stage(stage);
  };
  enter('data');
  setHandler(trialDoneSignal, () => {
    progress.trialsDone++;
  });
  // Studies searched side by side, one per candidate, each report their own best.
  setHandler(studyBestSignal, (best) => {
    if (!progress.best || better(best, progress.best)) progress.best = best;
  });
  return { progress, visibility, enter };
}

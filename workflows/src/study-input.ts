import type { AdaptiveSearchOptions, StudyState } from './adaptive-search';

/** How a study names its trials' workflows: `<prefix>/trial-<i>`, or `<prefix>/c<candidate>-trial-<i>` per candidate. */
export interface TrialIds {
  prefix: string;
  perCandidate: boolean;
}

export interface StudyInput {
  options: Omit<AdaptiveSearchOptions, 'idOf' | 'onTrialDone'>;
  ids: TrialIds;
  /** Where the previous run of the study left off, from runs that carried it here (it now comes packed, beside the input). */
  state?: StudyState;
  /** The study's MLflow run (a child of the pipeline's, the trials its children), opened by its first run. */
  runId?: string;
}

import type { FineTuneSpec, PreparedCandidate, SplitOutput } from '@anneal/contracts';
import { imageShapeOf, selectedModelOf } from './fine-tune-steps';
import { reportSearch } from './search-report';
import { probeThenTune, searchTogether, tuneEvery, type Searched } from './search-candidates';
import type { Stage } from './stages';
import { resultTrials } from './trial-table';

export interface SearchStageOptions {
  stage: Stage;
  spec: FineTuneSpec;
  split: SplitOutput;
  workflowId: string;
  enter: (stage: string) => void;
  /** Counted as trials end (`trialsTotal` grows when every candidate gets the whole search). */
  progress: { trialsDone: number; trialsTotal: number };
}

/** The middle of fineTune and tune: the candidates prepared for the task, then the search over them (`model.select`). */
export async function prepareAndSearch(o: SearchStageOptions): Promise<{ candidates: PreparedCandidate[]; searched: Searched }> {
  const { spec, split, progress } = o;
  const { ctx, acts } = o.stage;
  const common = {
    tracking: ctx,
    durability: spec.durability,
    train: split.train,
    validation: split.validation,
    backend: spec.backend,
    engine: spec.engine,
    outputName: spec.register.name,
    checkpointEvery: spec.tuning.checkpointEvery,
    heartbeatTimeoutSeconds: spec.tuning.heartbeatTimeoutSeconds,
    logEveryBatches: spec.tuning.logEveryBatches,
  };
  o.enter('model selection');
  const candidates = await Promise.all(
    spec.model.candidates.map((candidate) =>
      acts.models.prepareCandidate({
        tracking: ctx,
        candidate,
        inputShape: split.train.featureShape,
        numClasses: split.train.classes.length,
        ...imageShapeOf(spec.dataset),
        ...(split.scaling ? { scaling: split.scaling } : {}),
      }),
    ),
  );
  o.enter('tuning');
  // With `select: all` every candidate gets its own trials.
  if (spec.model.select === 'all') progress.trialsTotal = spec.tuning.trials * candidates.length;
  const t = spec.tuning;
  const searched = await { all: tuneEvery, probe: probeThenTune, search: searchTogether }[spec.model.select]({
    workflowId: o.workflowId,
    candidates,
    common,
    space: t,
    search: t,
    onTrialDone: () => progress.trialsDone++,
    probe: {
      learningRate: spec.model.probeLearningRate,
      epochs: spec.model.probeEpochs,
      batchSize: t.batchSize,
      patience: t.patience,
      minDelta: t.minDelta,
      monitor: t.monitor,
      lrSchedule: { kind: 'constant' },
      regularization: t.regularization,
    },
  });
  return { candidates, searched };
}

/** The search report on the pipeline's run, unless a single study reported on its own run. */
export async function reportOnPipeline(
  stage: Stage,
  o: { tuning: FineTuneSpec['tuning']; searched: Searched; candidates: PreparedCandidate[] },
): Promise<void> {
  if (o.searched.studyRunIds.length === 1) return;
  const labelOf = (c: number) => o.candidates[c]?.label ?? String(c);
  await reportSearch(stage.acts, { ctx: stage.ctx, objective: o.tuning.objective, sampler: o.tuning.sampler, searched: o.searched, labelOf });
}

/** What fineTune's and tune's results say of the search; `best` is the winning arm's candidate. */
export function searchSummary(o: { select: FineTuneSpec['model']['select']; searched: Searched; candidates: PreparedCandidate[]; best: number | undefined }) {
  const { searched } = o;
  return {
    // With `search`, the winner's candidate is the search's pick; with `probe`, the probe's.
    selectedModel: selectedModelOf(o.select, o.select === 'search' ? o.best : searched.selected, o.candidates),
    probes: searched.probes.map((p) => ({ label: p.result.label, validationAccuracy: p.result.validation.accuracy })),
    trials: resultTrials(searched.table),
    failedTrials: searched.failed,
    decisions: searched.decisions,
  };
}

import type { FineTuneSpec, PreparedCandidate, SplitOutput } from '@anneal/contracts';
import { imageShapeOf } from './fine-tune-steps';
import { probeThenTune, searchTogether, tuneEvery, type Searched } from './search-candidates';
import type { Stage } from './stages';

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

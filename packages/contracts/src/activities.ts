import { z } from 'zod';
import { CheckpointRef, DatasetRef, ModelRef, TrackingContext } from './refs';
import { ReportTo } from './trial-report';
import {
  Augmentation,
  BackendName,
  TrainingEngine,
  LrSchedule,
  Monitor,
  NO_REGULARIZATION,
  Regularization,
  RunStatus,
  Strategy,
  TwoPhase,
  Unfreeze,
} from './spec-parts';
import { CheckLevel, DatasetSpec, SplitSpec } from './dataset-spec';
import { ModelCandidate } from './spec';

// tracking
export const OpenPipelineRunInput = z.object({
  experimentName: z.string().min(1),
  runName: z.string().min(1),
  params: z.record(z.string(), z.string()).default({}),
  tags: z.record(z.string(), z.string()).default({}),
});
export const PipelineRun = z.object({ experimentId: z.string(), runId: z.string(), runName: z.string() });
export type PipelineRun = z.infer<typeof PipelineRun>;

export const OpenChildRunInput = z.object({
  tracking: TrackingContext,
  runName: z.string().min(1),
  params: z.record(z.string(), z.string()).default({}),
});
export const CloseRunInput = z.object({
  runId: z.string().min(1),
  status: RunStatus,
  metrics: z.record(z.string(), z.number()).default({}),
  tags: z.record(z.string(), z.string()).default({}),
});

// dataset
export const IngestInput = z.object({ tracking: TrackingContext, dataset: DatasetSpec });
export const IngestOutput = z.object({ dataset: DatasetRef, runId: z.string() });
export const ValidateInput = z.object({ tracking: TrackingContext, dataset: DatasetRef, spec: DatasetSpec });
/** Drift of a dataset against a reference (the champion's training data): the largest feature PSI and the label shift. */
export const DriftSummary = z.object({ reference: z.string(), maxPsi: z.number(), worstFeature: z.string().optional(), labelShift: z.number() });
export type DriftSummary = z.infer<typeof DriftSummary>;
export const ValidationSummary = z.object({
  rows: z.number().int(),
  classCounts: z.record(z.string(), z.number().int()),
  imbalanceRatio: z.number(),
  duplicateRows: z.number().int(),
  /** Checks that fired at level `warn`, one line each. */
  warnings: z.array(z.string()),
  runId: z.string(),
  drift: DriftSummary.optional(),
});
export type ValidationSummary = z.infer<typeof ValidationSummary>;
export const SplitInput = z.object({
  tracking: TrackingContext,
  dataset: DatasetRef,
  split: SplitSpec,
  leakage: CheckLevel.default('fail'),
  /** The validation's imbalance limit: above it, `balance: auto` oversamples the training split's smaller classes. */
  maxImbalance: z.number().min(1).default(10),
});
export const FeatureImputation = z.object({ value: z.number().int().nonnegative(), indicator: z.number().int().nonnegative(), fill: z.number() });
/**
 * A table's preprocessing fitted on its training split, applied inside the model: missing numbers filled with the
 * training mean (`impute`: the value's column, its missing indicator's, the fill), then per-feature standardization.
 */
export const FeatureScaling = z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()), impute: z.array(FeatureImputation).optional() });
export type FeatureScaling = z.infer<typeof FeatureScaling>;
export const SplitOutput = z.object({ train: DatasetRef, validation: DatasetRef, test: DatasetRef, runId: z.string(), scaling: FeatureScaling.optional() });
export type SplitOutput = z.infer<typeof SplitOutput>;

// models
export const PrepareCandidateInput = z.object({
  tracking: TrackingContext,
  candidate: ModelCandidate,
  inputShape: z.array(z.number().int().positive()).min(1),
  /** [height, width, channels] of the rows when the dataset is of images (its `image` block). */
  imageShape: z.array(z.number().int().positive()).length(3).optional(),
  numClasses: z.number().int().min(2),
  /** A table's scaling (from the split): a model built here from an architecture standardizes its input with it. */
  scaling: FeatureScaling.optional(),
});
export const PreparedCandidate = z.object({ model: ModelRef, label: z.string(), pretrained: z.boolean(), runId: z.string() });
export type PreparedCandidate = z.infer<typeof PreparedCandidate>;

// train
export const Hyperparameters = z
  .object({
    learningRate: z.number().positive(),
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    strategy: Strategy,
    patience: z.number().int().positive(),
    /** Early stopping counts an epoch as an improvement only when val_loss drops by more than this. */
    minDelta: z.number().nonnegative().default(0),
    lrSchedule: LrSchedule.default({ kind: 'constant' }),
    unfreeze: Unfreeze.optional(),
    regularization: Regularization.default(NO_REGULARIZATION),
    /** Default val_loss. */
    monitor: Monitor.optional(),
    /** For strategy `two-phase` (its defaults when absent). */
    twoPhase: TwoPhase.optional(),
    augmentation: Augmentation.optional(),
  })
  .refine((h) => h.strategy !== 'partial' || h.unfreeze !== undefined, {
    message: 'strategy partial needs unfreeze: { topLayers } or { fromLayer }',
    path: ['unfreeze'],
  });
export type Hyperparameters = z.infer<typeof Hyperparameters>;
export const FineTuneInput = z.object({
  tracking: TrackingContext,
  runName: z.string().min(1),
  model: ModelRef,
  train: DatasetRef,
  validation: DatasetRef,
  hyperparameters: Hyperparameters,
  backend: BackendName,
  engine: TrainingEngine.default('auto'),
  /** Name under which the trained model is stored. */
  outputName: z.string().min(1),
  /** Write a checkpoint (weights, optimizer state, early-stopping state) every this many epochs; a retry resumes from it. */
  checkpointEvery: z.number().int().positive().default(1),
  /** Also log the batch loss every this many steps (0: per epoch only). */
  logEveryBatches: z.number().int().nonnegative().default(0),
  /** Go on from this checkpoint (a paused trial promoted to its next rung); a retry's own checkpoint comes first. */
  resumeFrom: CheckpointRef.optional(),
  /** Pause after this many epochs in all (a rung's budget), checkpointed; `hyperparameters.epochs` stays the horizon. */
  stopAfterEpochs: z.number().int().positive().optional(),
  /** A study's trial: each epoch's validation figures go to the study as a signal. */
  reportTo: ReportTo.optional(),
});
export const FineTuneOutput = z.object({
  model: ModelRef,
  runId: z.string(),
  backend: z.string(),
  /** The engine that trained it: graph or eager. */
  engine: z.enum(['graph', 'eager']),
  epochsRun: z.number().int(),
  bestEpoch: z.number().int(),
  bestValLoss: z.number(),
  bestValAccuracy: z.number(),
  /** First epoch this attempt ran (0 unless it resumed from a checkpoint). */
  startEpoch: z.number().int(),
  /** Early stopping ended it (patience ran out): a paused trial that stopped early has nothing left to promote. */
  stoppedEarly: z.boolean().default(false),
  /** The last checkpoint written: where a paused trial goes on from. */
  checkpoint: CheckpointRef.optional(),
});
export type FineTuneOutput = z.infer<typeof FineTuneOutput>;

// evaluate
export const EvaluateInput = z.object({
  tracking: TrackingContext,
  runName: z.string().min(1),
  model: ModelRef,
  dataset: DatasetRef,
  backend: BackendName,
});
export const EvaluationMetrics = z.object({
  accuracy: z.number(),
  macroF1: z.number(),
  rocAucMacro: z.number(),
  loss: z.number(),
});
export type EvaluationMetrics = z.infer<typeof EvaluationMetrics>;
export const EvaluateOutput = z.object({
  metrics: EvaluationMetrics,
  confusionMatrix: z.array(z.array(z.number().int())),
  classes: z.array(z.string()),
  runId: z.string(),
});
export type EvaluateOutput = z.infer<typeof EvaluateOutput>;
/** One trial of a search, as the search report lists it. */
export const SearchTrial = z.object({
  label: z.string(),
  candidate: z.string(),
  strategy: z.string(),
  learningRate: z.number(),
  epochs: z.number().int(),
  epochsRun: z.number().int(),
  /** The objective's metric on the validation split. */
  value: z.number(),
});
export type SearchTrial = z.infer<typeof SearchTrial>;
export const SearchReportInput = z.object({
  tracking: TrackingContext,
  objective: z.object({ metric: z.string(), direction: z.enum(['maximize', 'minimize']) }),
  sampler: z.string(),
  trials: z.array(SearchTrial),
  failed: z.array(z.object({ label: z.string(), error: z.string() })),
  /** A scheduled study's decision log: what happened at the end of every rung run. */
  decisions: z
    .array(
      z.object({
        trial: z.number().int(),
        rung: z.number().int(),
        epochs: z.number().int(),
        score: z.number().nullable(),
        decision: z.string(),
        runId: z.string().optional(),
      }),
    )
    .default([]),
});

export const LearningCurvesInput = z.object({ runId: z.string().min(1), title: z.string() });

export const RegisterModelInput = z.object({
  tracking: TrackingContext,
  model: ModelRef,
  name: z.string().min(1),
  alias: z.string().min(1),
  /** The run that produced the model; the version links to it. */
  sourceRunId: z.string().min(1),
  tags: z.record(z.string(), z.string()).default({}),
  description: z.string().default(''),
});
export const RegisteredModel = z.object({ name: z.string(), version: z.string(), alias: z.string() });
export const ChampionDataInput = z.object({ name: z.string().min(1), alias: z.string().min(1) });
/** The version an alias points at and the content digest of the data it was trained on (absent when unknown). */
export const ChampionData = z.object({ version: z.string().optional(), contentDigest: z.string().optional() });
export type ChampionData = z.infer<typeof ChampionData>;
export type RegisteredModel = z.infer<typeof RegisteredModel>;

export type In<S extends z.ZodType> = z.input<S>;
export type Out<S extends z.ZodType> = z.output<S>;

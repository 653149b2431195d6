import { z } from 'zod';
import { strictObject } from './strict-object';

/** Names that become MLflow experiment, run and registry names. */
export const Name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected lower-case letters, digits, ".", "_" or "-"');

export const BackendName = z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

/**
 * How a training step runs. `graph`: the whole step (forward, loss, gradients, Adam) as one TensorFlow graph run
 * through TensorFlow's C API; `eager`: tfjs's own loop, op by op, on any backend. `auto`: graph on the native CPU
 * backend when the model's layers all have a graph translation, eager otherwise.
 */
export const TrainingEngine = z.enum(['auto', 'graph', 'eager']);
export type TrainingEngine = z.infer<typeof TrainingEngine>;

/**
 * `feature-extraction`: the base's feature layers are frozen; `full`: every layer learns;
 * `partial`: only the layers named by `unfreeze` (and everything above them) learn;
 * `two-phase`: feature extraction for `twoPhase.headEpochs`, then every layer (or those `unfreeze` names)
 * at the learning rate times `twoPhase.learningRateFactor`.
 */
export const Strategy = z.enum(['feature-extraction', 'full', 'partial', 'two-phase']);
export type Strategy = z.infer<typeof Strategy>;

/** Which layers `partial` fine-tuning lets learn: the top k weight layers below the head, or from a named layer up. */
export const Unfreeze = z.union([strictObject({ topLayers: z.number().int().positive() }), strictObject({ fromLayer: z.string().min(1) })]);
export type Unfreeze = z.infer<typeof Unfreeze>;

export const LrSchedule = z.discriminatedUnion('kind', [
  strictObject({ kind: z.literal('constant') }),
  /** Multiply by `factor` every `everyEpochs`. */
  strictObject({ kind: z.literal('step'), everyEpochs: z.number().int().positive(), factor: z.number().gt(0).lt(1) }),
  /** Cosine decay from the learning rate to `minLearningRate` over the epochs. */
  strictObject({ kind: z.literal('cosine'), minLearningRate: z.number().nonnegative().default(0) }),
  /** Multiply by `factor` after `patience` epochs without val_loss improvement. */
  strictObject({
    kind: z.literal('plateau'),
    factor: z.number().gt(0).lt(1).default(0.5),
    patience: z.number().int().positive().default(2),
    minLearningRate: z.number().nonnegative().default(1e-6),
  }),
]);
export type LrSchedule = z.infer<typeof LrSchedule>;

export const RunStatus = z.enum(['RUNNING', 'FINISHED', 'FAILED', 'KILLED']);
export type RunStatus = z.infer<typeof RunStatus>;

/** Regularization of the task head (the part trained on the small task dataset). */
export const Regularization = strictObject({
  /** Dropout before the head. */
  headDropout: z.number().min(0).max(0.9).default(0),
  /** L2 penalty on the head's kernel. */
  l2: z.number().nonnegative().max(1).default(0),
  /** Label smoothing of the cross-entropy targets. */
  labelSmoothing: z.number().min(0).max(0.5).default(0),
});
export type Regularization = z.infer<typeof Regularization>;
export const NO_REGULARIZATION: Regularization = { headDropout: 0, l2: 0, labelSmoothing: 0 };

/** What early stopping watches: the lowest validation loss, or the highest validation accuracy. */
export const Monitor = z.enum(['val_loss', 'val_accuracy']);

/**
 * What the search optimizes and the champion is chosen by: a validation metric and its direction (by default the one
 * that makes sense for it: loss down, the others up).
 */
export const Objective = strictObject({
  metric: z.enum(['accuracy', 'macroF1', 'rocAucMacro', 'loss']).default('accuracy'),
  direction: z.enum(['maximize', 'minimize']).optional(),
}).transform((o) => ({ metric: o.metric, direction: o.direction ?? (o.metric === 'loss' ? ('minimize' as const) : ('maximize' as const)) }));
export type Objective = z.output<typeof Objective>;
export type Monitor = z.infer<typeof Monitor>;

/** The head first, then the base: the usual recipe when a fresh head would wreck pre-trained features. */
export const TwoPhase = strictObject({
  headEpochs: z.number().int().positive().default(3),
  learningRateFactor: z.number().gt(0).max(1).default(0.1),
});
export type TwoPhase = z.infer<typeof TwoPhase>;

/**
 * Seeded image augmentation, drawn per batch (same seed and epoch: same batches, also after a resume).
 * Off by default: for digits, flips and large rotations change the class.
 */
export const Augmentation = strictObject({
  /** Largest shift, in pixels, along each axis. */
  shift: z.number().int().nonnegative().max(64).default(0),
  /** Largest rotation, in degrees, either way. */
  rotation: z.number().nonnegative().max(180).default(0),
  flipHorizontal: z.boolean().default(false),
  /** Standard deviation of added gaussian noise (pixel values are 0..1). */
  noise: z.number().nonnegative().max(1).default(0),
  seed: z.number().int().default(1),
  /** [height, width, channels] of the rows; inferred for square single-channel images when absent. */
  imageShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).optional(),
});
export type Augmentation = z.infer<typeof Augmentation>;

/**
 * How a pipeline rides out infrastructure faults. Every activity is retried with capped exponential backoff until
 * `retryBudgetSeconds` have passed since it was first scheduled (a day by default: an MLflow or data server down
 * over a night does not lose the pipeline); bad input is never retried.
 */
export const Durability = strictObject({
  retryBudgetSeconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  /** The longest wait between two attempts. */
  maxRetryIntervalSeconds: z.number().int().min(1).max(3600).default(60),
  /**
   * Heartbeat timeout of the data, model, evaluation and registry activities: how soon a dead worker, or a completion
   * lost while the Temporal server restarted, is noticed and the activity retried. (Training has its own, in
   * `training` / `tuning`.)
   */
  heartbeatTimeoutSeconds: z.number().int().min(2).max(600).default(30),
});
export type Durability = z.infer<typeof Durability>;

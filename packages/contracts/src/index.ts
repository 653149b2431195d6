export { ArtifactRef, CheckpointRef, DatasetRef, Digest, ModelRef, TrackingContext, sameClasses } from './refs';
export {
  Augmentation,
  BackendName,
  Durability,
  TrainingEngine,
  LrSchedule,
  Monitor,
  NO_REGULARIZATION,
  Objective,
  Regularization,
  RunStatus,
  Strategy,
  TwoPhase,
  Unfreeze,
} from './spec-parts';
export {
  Architecture,
  CnnArchitecture,
  MlpArchitecture,
  TextArchitecture,
  WordVectorsSource,
  FineTuneRegisterSpec,
  FineTuneSpec,
  ModelCandidate,
  PIPELINE_SPECS,
  PretrainSpec,
  RegisterSpec,
  TrainingSpec,
  TuningSpec,
  specJsonSchema,
} from './spec';
export {
  CheckLevel,
  ColumnSpec,
  DataFormat,
  PANDAS_MISSING_VALUES,
  DatasetChecks,
  DatasetSource,
  DatasetSpec,
  FileSource,
  ImageSpec,
  JsonlSource,
  MlflowSource,
  MnistSource,
  SplitSpec,
  TableSchema,
  UrlSource,
  ValidationPolicy,
  TEXT_BUCKETS,
} from './dataset-spec';
export type { CheckName, DatasetSpecInput } from './dataset-spec';
export type { FineTuneSpecInput, PretrainSpecInput } from './spec';
export {
  FileModelSource,
  GraphModelSource,
  InputContract,
  KerasModelSource,
  MlflowModelSource,
  RegistryModelSource,
  UrlModelSource,
} from './model-source-spec';
export * from './activities';
export * from './predict';
export { ReportTo, TRIAL_EPOCH_SIGNAL, TrialEpochReport } from './trial-report';
export { ModelsUriString, parseModelsUri } from './models-uri';
export type { ModelsUri } from './models-uri';
export { ErrorType, InputError, nonRetryableErrorTypes, TransientErrorType } from './errors';
export { CPU_TASK_QUEUE, GPU_TASK_QUEUE } from './task-queues';
export { formatIssues, parseWithProblems } from './format-issues';
export { strictObject } from './strict-object';
export type { ParseResult } from './format-issues';
export { MLFLOW_TAGS } from './tags';
export { createRng, shuffled } from './seeded-random';
export { ALIASES } from './aliases';
export {
  AliasDescription,
  AliasMove,
  ApprovalDecision,
  DecisionRecordInput,
  DescribeAliasInput,
  MoveAliasInput,
  MoveReason,
  PromoteInput,
  RegisterVersionInput,
  RegisteredVersion,
} from './registry';
export { ApprovalPolicy, Duration, GateMetric, GatePolicy } from './gate-policy';
export { GateCheck, GateInput, GateSide, GateVerdict } from './gate';

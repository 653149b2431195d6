/** ApplicationFailure types raised for bad input; workflows list them as non-retryable. */
export const ErrorType = {
  InvalidSpec: 'InvalidSpecError',
  /** An activity's input did not match its schema (a workflow or a caller sent something malformed). */
  InvalidInput: 'InvalidInputError',
  DatasetSource: 'DatasetSourceError',
  DatasetValidation: 'DatasetValidationError',
  ModelNotFound: 'ModelNotFoundError',
  /** A model source that cannot be read as a model: no model.json, a missing shard, a 404, a GraphModel, outside the roots. */
  ModelSource: 'ModelSourceError',
  ModelIncompatible: 'ModelIncompatibleError',
  BackendUnavailable: 'BackendUnavailableError',
  ArtifactIntegrity: 'ArtifactIntegrityError',
  /** MLflow refused a request for what it asked (4xx other than 408/429): the same request would be refused again. */
  MlflowRequest: 'MlflowRequestError',
  /** MLflow did not accept the worker's credentials (401) or denied them a permission (403): fix the configuration. */
  MlflowAuth: 'MlflowAuthError',
  /** Every trial of a study failed: there is nothing to choose from. */
  AllTrialsFailed: 'AllTrialsFailedError',
  /** A compare-and-set alias move found the alias moved since it was read (someone else promoted or rolled back). */
  AliasMoved: 'AliasMovedError',
  /** A failure that `ANNEAL_FAILPOINTS` injected on purpose (fault-injection tests and drills). */
  InjectedFault: 'InjectedFaultError',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

export const nonRetryableErrorTypes: string[] = Object.values(ErrorType);

/** ApplicationFailure types for faults worth retrying (the activity's retry policy applies). */
export const TransientErrorType = {
  /** A remote dataset could not be fetched: the server stalled, reset or answered 5xx. */
  DatasetUnavailable: 'DatasetUnavailableError',
  /** A service (MLflow, a data server) was unreachable, timed out, or answered 408, 429 or 5xx. */
  ServiceUnavailable: 'ServiceUnavailableError',
  /** The worker was shutting down; the attempt is retried on another worker (training resumes from its checkpoint). */
  WorkerShutdown: 'WorkerShutdownError',
} as const;
export type TransientErrorType = (typeof TransientErrorType)[keyof typeof TransientErrorType];

/**
 * A mistake in what Anneal was given (a spec, a dataset, a model) that no retry can fix. Code outside Temporal
 * throws it; the activity boundary turns it into a non-retryable ApplicationFailure of type `type`.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

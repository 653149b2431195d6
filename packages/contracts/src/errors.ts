/** ApplicationFailure types raised for bad input; workflows list them as non-retryable. */
export const ErrorType = {
  InvalidSpec: 'InvalidSpecError',
  DatasetSource: 'DatasetSourceError',
  DatasetValidation: 'DatasetValidationError',
  ModelNotFound: 'ModelNotFoundError',
  ModelIncompatible: 'ModelIncompatibleError',
  BackendUnavailable: 'BackendUnavailableError',
  ArtifactIntegrity: 'ArtifactIntegrityError',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

export const nonRetryableErrorTypes: string[] = Object.values(ErrorType);

/** ApplicationFailure types for faults worth retrying (the activity's retry policy applies). */
export const TransientErrorType = {
  /** A remote dataset could not be fetched: the server stalled, reset or answered 5xx. */
  DatasetUnavailable: 'DatasetUnavailableError',
} as const;

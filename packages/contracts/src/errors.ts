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

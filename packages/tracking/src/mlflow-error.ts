/** An MLflow REST call that failed; `errorCode` is MLflow's own (RESOURCE_ALREADY_EXISTS, RESOURCE_DOES_NOT_EXIST, ...). */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string | undefined,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

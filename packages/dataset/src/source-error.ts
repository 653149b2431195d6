import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '@anneal/contracts';

/** Bad source (missing file, unparsable line): not worth retrying, and the message says where. */
export function sourceError(message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, ErrorType.DatasetSource, details);
}

import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { ErrorType, InputError, TransientErrorType, formatIssues } from '@anneal/contracts';
import { ArtifactIntegrityError } from './artifact-store';
import { MlflowError } from './mlflow-error';

/** Node's and undici's codes for a connection that could not be made, was dropped, or timed out. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/**
 * The one place where an error leaving an activity gets its Temporal meaning (trpc's getTRPCErrorFromUnknown, for
 * activities): a mistake in the input becomes a non-retryable failure with a typed name, an infrastructure fault a
 * retryable one, so the retry policy retries exactly what a retry can fix. Cancellation passes through untouched.
 * Anything unknown stays retryable: Temporal's default, so a fix deployed to the workers lets the pipeline go on.
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure || (err instanceof Error && err.name === 'AbortError')) return err;
  if (err instanceof InputError)
    return ApplicationFailure.create({
      message: err.message,
      type: err.type,
      nonRetryable: true,
      details: err.details ? [err.details] : undefined,
      cause: err,
    });
  if (err instanceof ZodError) {
    const message = `activity input does not match its schema:\n  ${formatIssues(err.issues).join('\n  ')}`;
    return ApplicationFailure.create({ message, type: ErrorType.InvalidInput, nonRetryable: true, cause: err });
  }
  if (err instanceof ArtifactIntegrityError)
    return ApplicationFailure.create({ message: err.message, type: ErrorType.ArtifactIntegrity, nonRetryable: true, cause: err });
  if (err instanceof MlflowError) {
    if (err.retryable) return ApplicationFailure.create({ message: err.message, type: TransientErrorType.ServiceUnavailable, cause: err });
    return ApplicationFailure.create({
      message: err.message,
      type: err.status === 401 || err.status === 403 ? ErrorType.MlflowAuth : ErrorType.MlflowRequest,
      nonRetryable: true,
      details: [{ status: err.status, errorCode: err.errorCode }],
      cause: err,
    });
  }
  const network = networkFault(err);
  if (network) return ApplicationFailure.create({ message: network, type: TransientErrorType.ServiceUnavailable, cause: err as Error });
  return err;
}

/** A description of a network fault (`fetch failed: connect ECONNREFUSED 127.0.0.1:5000`), or undefined. */
export function networkFault(err: unknown): string | undefined {
  // Duck-typed: fetch's own timeout (AbortSignal.timeout) rejects with a DOMException named TimeoutError, which is
  // not an Error of this realm everywhere.
  for (let e = asFault(err), depth = 0; e && depth < 5; e = asFault(e.cause), depth++) {
    if ((typeof e.code === 'string' && NETWORK_CODES.has(e.code)) || e.name === 'TimeoutError') return describe(err as Error);
  }
  return undefined;
}

function asFault(value: unknown): { name?: unknown; code?: unknown; cause?: unknown } | undefined {
  return typeof value === 'object' && value !== null ? value : undefined;
}

function describe(err: Error): string {
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

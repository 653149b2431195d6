import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { z } from 'zod';
import { ErrorType, InputError, TransientErrorType, nonRetryableErrorTypes } from '@anneal/contracts';
import { activityBoundaryInterceptors, keepAlive } from './activity-boundary';
import { toActivityFailure } from './activity-failure';
import { ArtifactIntegrityError } from './artifact-store';
import { MlflowError } from './mlflow-error';

function fetchFailed(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code} 127.0.0.1:5000`), { code }) });
}

const zodError = (() => {
  const r = z.object({ runId: z.string() }).safeParse({ runId: 3 });
  return r.success ? undefined : r.error;
})();

/** Every kind of error an activity can end with, and what the retry policy must make of it. */
const cases: { name: string; error: unknown; type: string; nonRetryable: boolean }[] = [
  ...Object.values(ErrorType).map((type) => ({ name: `InputError ${type}`, error: new InputError(type, `bad ${type}`), type, nonRetryable: true })),
  { name: 'ZodError of an activity input', error: zodError, type: ErrorType.InvalidInput, nonRetryable: true },
  { name: 'ArtifactIntegrityError', error: new ArtifactIntegrityError('digest mismatch'), type: ErrorType.ArtifactIntegrity, nonRetryable: true },
  { name: 'MLflow 400', error: new MlflowError('bad param', 400, 'INVALID_PARAMETER_VALUE'), type: ErrorType.MlflowRequest, nonRetryable: true },
  { name: 'MLflow 401', error: new MlflowError('not accepted', 401, 'UNAUTHENTICATED'), type: ErrorType.MlflowAuth, nonRetryable: true },
  { name: 'MLflow 403', error: new MlflowError('denied', 403, 'PERMISSION_DENIED'), type: ErrorType.MlflowAuth, nonRetryable: true },
  { name: 'MLflow 404', error: new MlflowError('no such run', 404, 'RESOURCE_DOES_NOT_EXIST'), type: ErrorType.MlflowRequest, nonRetryable: true },
  { name: 'MLflow 429', error: new MlflowError('slow down', 429, undefined), type: TransientErrorType.ServiceUnavailable, nonRetryable: false },
  { name: 'MLflow 503', error: new MlflowError('unavailable', 503, undefined), type: TransientErrorType.ServiceUnavailable, nonRetryable: false },
  ...['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT'].map((code) => ({
    name: `fetch failed (${code})`,
    error: fetchFailed(code),
    type: TransientErrorType.ServiceUnavailable,
    nonRetryable: false,
  })),
  {
    name: 'fetch timeout',
    error: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    type: TransientErrorType.ServiceUnavailable,
    nonRetryable: false,
  },
  {
    name: 'an already typed non-retryable failure',
    error: ApplicationFailure.nonRetryable('x', ErrorType.DatasetValidation),
    type: ErrorType.DatasetValidation,
    nonRetryable: true,
  },
  {
    name: 'an already typed retryable failure',
    error: ApplicationFailure.retryable('x', TransientErrorType.DatasetUnavailable),
    type: TransientErrorType.DatasetUnavailable,
    nonRetryable: false,
  },
];

describe('toActivityFailure', () => {
  it.each(cases)('$name -> $type (non-retryable: $nonRetryable)', ({ error, type, nonRetryable }) => {
    const failure = toActivityFailure(error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe(type);
    expect((failure as ApplicationFailure).nonRetryable).toBe(nonRetryable);
  });

  it('covers every non-retryable type the workflows list', () => {
    const classified = new Set(cases.filter((c) => c.nonRetryable).map((c) => c.type));
    expect(nonRetryableErrorTypes.filter((t) => !classified.has(t))).toEqual([]);
  });

  it('names the field of a bad activity input, and keeps details of a typed input error', () => {
    expect((toActivityFailure(zodError) as Error).message).toMatch(/runId: Invalid input: expected string, received number/);
    const failure = toActivityFailure(new InputError(ErrorType.ModelIncompatible, 'no layer x', { layers: ['a'] })) as ApplicationFailure;
    expect(failure.details).toEqual([{ layers: ['a'] }]);
  });

  it('leaves cancellation and unknown errors as they are (unknown faults stay retryable)', () => {
    const cancelled = new CancelledFailure('cancelled');
    expect(toActivityFailure(cancelled)).toBe(cancelled);
    const bug = new RangeError('index out of range');
    expect(toActivityFailure(bug)).toBe(bug);
  });
});

describe('activity boundary', () => {
  it('keeps an activity alive with the last details it gave, then stops', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 600, heartbeatDetails: { checkpoint: 'epoch-3' } });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const stop = keepAlive(env.context);
    await new Promise((r) => setTimeout(r, 450));
    env.context.heartbeat({ checkpoint: 'epoch-4' });
    await new Promise((r) => setTimeout(r, 450));
    stop();
    const count = beats.length;
    await new Promise((r) => setTimeout(r, 450));
    expect(beats.length).toBe(count);
    expect(beats[0]).toEqual({ checkpoint: 'epoch-3' }); // the previous attempt's, until the activity gives its own
    expect(beats.at(-1)).toEqual({ checkpoint: 'epoch-4' });
    expect(count).toBeGreaterThanOrEqual(4);
  });

  it('turns what an activity throws into its typed failure, and injects failpoints', async () => {
    const factory = activityBoundaryInterceptors({
      failpoints: [{ activity: 'fineTune', workflowId: 'trial-1$', attempt: 1, delayMs: 0, fail: 'nonRetryable' }],
    });
    const run = (workflowId: string, fn: () => Promise<unknown>) => {
      const env = new MockActivityEnvironment({ activityType: 'fineTune', workflowExecution: { workflowId, runId: 'r' } });
      const execute = factory(env.context).inbound!.execute!;
      return env.run(() => execute({ args: [], headers: {} }, fn));
    };
    await expect(
      run('w/trial-0', async () => {
        throw zodError;
      }),
    ).rejects.toMatchObject({ type: ErrorType.InvalidInput, nonRetryable: true });
    await expect(run('w/trial-0', async () => 'ok')).resolves.toBe('ok');
    await expect(run('w/trial-1', async () => 'ok')).rejects.toMatchObject({ type: ErrorType.InjectedFault, nonRetryable: true });
  });
});

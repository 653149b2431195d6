import { PassThrough } from 'node:stream';
import { ServiceError, WorkflowFailedError } from '@temporalio/client';
import { CliLogger } from './cli-logger';
import { pipelineProgress, progressDisplay } from './progress';
import { isServerAway, resultThroughRestarts } from './start-pipeline';

// What the client throws while the server is down: a ServiceError whose cause is the gRPC error.
const unavailable = () =>
  new ServiceError('Failed to get Workflow execution history', {
    cause: Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: 'x', metadata: {} }),
  });

it('keeps following through a server restart: the result after two UNAVAILABLE answers, told when lost and back', async () => {
  const answers: (() => Promise<unknown>)[] = [() => Promise.reject(unavailable()), () => Promise.reject(unavailable()), () => Promise.resolve({ done: true })];
  const handle = { result: () => (answers.shift() as () => Promise<unknown>)() };
  const told: string[] = [];
  const result = await resultThroughRestarts<{ done: boolean }>(handle, {
    retryDelayMs: 1,
    onServer: (state, err) => told.push(`${state}${err ? `: ${err.message}` : ''}`),
  });
  expect(result).toEqual({ done: true });
  expect(told).toEqual(['lost: Failed to get Workflow execution history', 'back']);
});

it('does not wait out a failed workflow: it is thrown at once', async () => {
  const failed = new WorkflowFailedError('Workflow execution failed', new Error('AllTrialsFailed'), 'NON_RETRYABLE_FAILURE');
  await expect(resultThroughRestarts({ result: () => Promise.reject(failed) }, { retryDelayMs: 1 })).rejects.toBe(failed);
  expect(isServerAway(failed)).toBe(false);
  expect(isServerAway(unavailable())).toBe(true);
});

it('hides the idle-queue warning of an activity-only worker unless --verbose, and nothing else', () => {
  const lines = (verbose: boolean) => {
    const seen: string[] = [];
    const logger = new CliLogger('WARN', verbose);
    Object.assign(logger, { logFunction: (e: { message: string }) => seen.push(e.message) });
    logger.warn('No workflows registered, not polling for workflow tasks');
    logger.warn('Activity failed');
    logger.info('Worker state changed');
    return seen;
  };
  expect(lines(false)).toEqual(['Activity failed']);
  expect(lines(true)).toEqual(['No workflows registered, not polling for workflow tasks', 'Activity failed', 'Worker state changed']);
});

it('off a terminal, the progress display prints one line per milestone, not a redraw per poll', () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c) => (text += String(c)));
  const display = progressDisplay({ interactive: false, stream: stream as unknown as NodeJS.WriteStream });
  for (const p of [
    { stage: 'data', trialsDone: 0 },
    { stage: 'data', trialsDone: 0 },
    { stage: 'tuning', trialsDone: 0 },
    { stage: 'tuning', trialsDone: 1 },
    { stage: 'tuning', trialsDone: 1 },
  ]) {
    display.update(pipelineProgress({ ...p, trialsTotal: 4 }));
  }
  display.stop();
  expect(text).toBe('[0/4 trials] data\n[0/4 trials] tuning\n[1/4 trials] tuning\n');
});

it("on a terminal, the bar's detail names the best epoch reported so far", () => {
  const best = { trial: 4, epoch: 5, metric: 'val_accuracy' as const, value: 0.93456 };
  expect(pipelineProgress({ stage: 'tuning', trialsDone: 3, trialsTotal: 9, best }).detail).toBe(
    '3/9 trials · best val_accuracy 0.9346 (trial 4, epoch 6) · tuning',
  );
  expect(pipelineProgress({ stage: 'tuning', trialsDone: 3, trialsTotal: 9 }).detail).toBe('3/9 trials · tuning');
});

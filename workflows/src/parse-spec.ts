import { ApplicationFailure } from '@temporalio/workflow';
import { ErrorType, parseWithProblems } from '@anneal/contracts';
import type { z } from 'zod';

/** Validates a workflow's input; a bad spec fails at once, non-retryable, listing every problem. */
export function parseSpec<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = parseWithProblems(schema, input);
  if (result.ok) return result.value;
  throw ApplicationFailure.nonRetryable(
    `invalid ${what} spec (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}): ${result.problems.join('; ')}`,
    ErrorType.InvalidSpec,
    { problems: result.problems },
  );
}

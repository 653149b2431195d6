import { z } from 'zod';

// Bundlers that honour zod's `sideEffects: false` (the workflow bundle) drop its default locale: set it here.
z.config(z.locales.en());

/** One line per problem: `field: what was expected (found: what was there)`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    const found = 'input' in issue && issue.input !== undefined ? ` (found: ${preview(issue.input)})` : '';
    return `${field}: ${issue.message}${found}`;
  });
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Parses with input reporting on, so every problem can name what was found. */
export function parseWithProblems<S extends z.ZodType>(schema: S, input: unknown): ParseResult<z.output<S>> {
  const result = schema.safeParse(input, { reportInput: true });
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: formatIssues(result.error.issues) };
}

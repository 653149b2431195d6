import { loadConfig, type Config } from './config';

/** A problem with what the user asked for: one line on stderr, exit 2. */
export class UsageError extends Error {}

export const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * What every command's action shares: the configuration, parsed from the environment once and only when a command
 * needs it (so `--help` works with a broken environment), the global flags and the exit code.
 */
export class Cli {
  exitCode = 0;
  verbose = false;
  private loaded: Config | undefined;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  get config(): Config {
    this.loaded ??= loadConfig(this.env);
    return this.loaded;
  }

  /** Wraps an action's body: the number it returns is the process's exit code (0 when it returns nothing). */
  action<A extends unknown[]>(body: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
    return async (...args: A) => {
      this.exitCode = (await body(...args)) ?? 0;
    };
  }
}

/** Errors that are the user's to fix (bad options, an unreadable source, a typed input error): one line, exit 2. */
export function isUsageError(err: unknown): boolean {
  const typed = err as { type?: string } | undefined;
  return err instanceof UsageError || (err instanceof Error && typeof typed?.type === 'string');
}

import { DefaultLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';

// Lines nobody acts on: an activity-only worker does not poll for workflow tasks, and says so at WARN.
const IDLE_QUEUE_LINES = [/^No workflows registered/, /^No activities registered/];

/** The SDK's logger for the command line's workers: quiet about idle queues unless `--verbose`. */
export class CliLogger extends DefaultLogger {
  constructor(
    level: LogLevel,
    private readonly verbose: boolean,
  ) {
    super(verbose && level !== 'TRACE' ? 'INFO' : level);
  }

  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (!this.verbose && IDLE_QUEUE_LINES.some((line) => line.test(message))) return;
    super.log(level, message, meta);
  }
}

import { Option, type Command } from 'commander';
import { ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import { CPU_TASK_QUEUE, Duration } from '@anneal/contracts';
import { UsageError, say, type Cli } from './cli-context';
import { withClient } from './connect';
import { onlyOnNewData, readFineTuneSpec } from './spec-file';

const OVERLAP: Record<string, ScheduleOverlapPolicy> = {
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
};

export interface RetrainSchedule {
  scheduleId: string;
  specPath: string;
  cron?: string;
  every?: string;
  overlap?: string;
  catchup?: string;
  pauseOnFailure?: boolean;
  trainUnchanged?: boolean;
  note?: string;
  paused?: boolean;
}

/** A Temporal Schedule that starts fineTune with the spec; the spec is validated here, as `anneal start` does. */
export async function createRetrainSchedule(client: Client, o: RetrainSchedule): Promise<string> {
  if ((o.cron === undefined) === (o.every === undefined)) throw new UsageError('schedule create: give exactly one of --cron "<expr>" and --every <duration>');
  const overlap = OVERLAP[o.overlap ?? 'buffer-one'];
  if (!overlap) throw new UsageError(`--overlap: expected ${Object.keys(OVERLAP).join(', ')}, found ${o.overlap}`);
  for (const [flag, value] of [
    ['--every', o.every],
    ['--catchup', o.catchup],
  ] as const) {
    if (value !== undefined && !Duration.safeParse(value).success)
      throw new UsageError(`${flag}: expected a duration such as 30s, 15m, 12h or 7d, found ${value}`);
  }
  const { raw } = await readFineTuneSpec(o.specPath);
  const args = [o.trainUnchanged ? raw : onlyOnNewData(raw)];
  const handle = await client.schedule.create({
    scheduleId: o.scheduleId,
    spec: o.cron ? { cronExpressions: [o.cron] } : { intervals: [{ every: o.every as `${number}s` }] },
    action: { type: 'startWorkflow', workflowType: 'fineTune', taskQueue: CPU_TASK_QUEUE, workflowId: o.scheduleId, args },
    policies: { overlap, catchupWindow: (o.catchup ?? '1h') as `${number}h`, pauseOnFailure: o.pauseOnFailure ?? false },
    state: { paused: o.paused ?? false, ...(o.note ? { note: o.note } : {}) },
    // Temporal describes a cron expression as calendars; the memo keeps what the user wrote.
    memo: { when: o.cron ? `cron ${o.cron}` : `every ${o.every}`, spec: o.specPath },
  });
  return handle.scheduleId;
}

export function describeSchedule(d: ScheduleDescription): string {
  const action = d.action.type === 'startWorkflow' ? `${d.action.workflowType} on ${d.action.taskQueue}` : d.action.type;
  const memo = (d.memo ?? {}) as { when?: string; spec?: string };
  const when = memo.when ?? `${(d.spec.calendars ?? []).length} calendar(s), ${(d.spec.intervals ?? []).length} interval(s)`;
  const recent = d.info.recentActions
    .slice(-5)
    .map((a) => `    ${a.takenAt.toISOString()}  ${a.action.type === 'startWorkflow' ? a.action.workflow.workflowId : ''}`);
  return [
    `schedule ${d.scheduleId}: ${action}${memo.spec ? ` of ${memo.spec}` : ''}, ${when}`,
    `  state: ${d.state.paused ? 'paused' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`,
    `  policies: overlap ${d.policies.overlap}, catch-up window ${d.policies.catchupWindow / 1000} s, pause on failure ${d.policies.pauseOnFailure ? 'yes' : 'no'}`,
    `  runs taken: ${d.info.numActionsTaken}, skipped by overlap: ${d.info.numActionsSkippedOverlap}, running: ${d.info.runningActions.map((r) => r.workflow.workflowId).join(', ') || 'none'}`,
    `  next: ${
      d.info.nextActionTimes
        .slice(0, 3)
        .map((t) => t.toISOString())
        .join(', ') || 'none'
    }`,
    ...(recent.length ? ['  recent:', ...recent] : []),
  ].join('\n');
}

interface CreateOptions {
  cron?: string;
  every?: string;
  overlap: string;
  catchup?: string;
  pauseOnFailure: boolean;
  trainUnchanged: boolean;
  note?: string;
  paused: boolean;
}

/** `anneal schedule ...`: Temporal Schedules of retrains (no scheduler of Anneal's own). */
export function registerScheduleCommands(program: Command, cli: Cli): void {
  const schedule = program
    .command('schedule')
    .description('retrain on a Temporal Schedule')
    .addHelpText(
      'after',
      '\ndurations: 30s, 15m, 12h, 7d. The same with the Temporal CLI: temporal schedule create|list|describe|toggle|trigger|backfill|delete',
    );
  const run = (body: (client: Client) => Promise<void>) => withClient(cli.config, body);
  schedule
    .command('create')
    .description(
      "each run is a fineTune of the spec that ends early, training nothing, when the data's content digest equals the champion's (unless --train-unchanged)",
    )
    .argument('<id>', 'the schedule id (also the id of the workflows it starts)')
    .argument('<spec>', 'a fineTune spec file')
    .option('--cron <expr>', 'a cron expression, e.g. "0 3 * * *"')
    .option('--every <duration>', 'an interval, e.g. 12h')
    .addOption(new Option('--overlap <policy>', 'when a run is still going at the next time').choices(Object.keys(OVERLAP)).default('buffer-one'))
    .option('--catchup <duration>', 'how late a missed run may still start', '1h')
    .option('--pause-on-failure', 'pause the schedule when a run fails', false)
    .option('--train-unchanged', "train even when the data is the champion's", false)
    .option('--note <text>', "the schedule's note")
    .option('--paused', 'create it paused', false)
    .action(
      cli.action((id: string, specPath: string, o: CreateOptions) =>
        run(async (client) => {
          const created = await createRetrainSchedule(client, { scheduleId: id, specPath, ...o });
          say(describeSchedule(await client.schedule.getHandle(created).describe()));
        }),
      ),
    );
  schedule
    .command('list')
    .description('every schedule')
    .action(
      cli.action(() =>
        run(async (client) => {
          for await (const s of client.schedule.list())
            say(
              `${s.scheduleId}  ${s.state.paused ? 'paused' : 'active'}  ${s.action?.type === 'startWorkflow' ? s.action.workflowType : ''}  next ${s.info.nextActionTimes[0]?.toISOString() ?? 'none'}`,
            );
        }),
      ),
    );
  schedule
    .command('describe')
    .description('its spec, policies, state, recent and next runs')
    .argument('<id>')
    .action(cli.action((id: string) => run(async (client) => say(describeSchedule(await client.schedule.getHandle(id).describe())))));
  for (const action of ['pause', 'unpause'] as const) {
    schedule
      .command(action)
      .description(`${action} the schedule`)
      .argument('<id>')
      .option('--note <text>', 'why')
      .action(
        cli.action((id: string, o: { note?: string }) =>
          run(async (client) => {
            await client.schedule.getHandle(id)[action](o.note ?? `${action}d by anneal schedule ${action}`);
            say(`${action}d ${id}`);
          }),
        ),
      );
  }
  schedule
    .command('trigger')
    .description("one run now (the schedule's overlap policy applies)")
    .argument('<id>')
    .action(
      cli.action((id: string) =>
        run(async (client) => {
          // The SDK's trigger allows overlap unless told otherwise; a manual run keeps the schedule's policy.
          const handle = client.schedule.getHandle(id);
          const { policies } = await handle.describe();
          await handle.trigger(policies.overlap);
          say(`triggered ${id} (overlap ${policies.overlap})`);
        }),
      ),
    );
  schedule
    .command('backfill')
    .description('the runs the schedule would have started in a time range')
    .argument('<id>')
    .requiredOption('--from <ISO time>', 'e.g. 2026-12-01T00:00:00Z')
    .requiredOption('--to <ISO time>', 'e.g. 2026-12-02T00:00:00Z')
    .action(
      cli.action((id: string, o: { from: string; to: string }) =>
        run(async (client) => {
          const [start, end] = [o.from, o.to].map((t) => new Date(t));
          if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
            throw new UsageError(`schedule backfill: --from and --to must be ISO times such as 2026-12-01T00:00:00Z, found ${o.from} and ${o.to}`);
          await client.schedule.getHandle(id).backfill({ start, end });
          say(`backfilled ${id} from ${start.toISOString()} to ${end.toISOString()}`);
        }),
      ),
    );
  schedule
    .command('delete')
    .description('delete the schedule (its past runs stay)')
    .argument('<id>')
    .action(
      cli.action((id: string) =>
        run(async (client) => {
          await client.schedule.getHandle(id).delete();
          say(`deleted ${id}`);
        }),
      ),
    );
}

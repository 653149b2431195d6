import { parseArgs } from 'node:util';
import { ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import { CPU_TASK_QUEUE, Duration } from '@anneal/contracts';
import type { Config } from './config';
import { connectClient } from './connect';
import { UsageError } from './dataset-command';
import { onlyOnNewData, readFineTuneSpec } from './spec-file';

export const SCHEDULE_USAGE = `usage: anneal schedule <action> ...
  create <id> <spec.json> (--cron "<expr>" | --every <duration>) [--overlap buffer-one|skip|buffer-all|cancel-other|terminate-other|allow-all]
         [--catchup <duration>] [--pause-on-failure] [--train-unchanged] [--note <text>] [--paused]
                          retrain on a schedule: each run is a fineTune of <spec.json> that ends early, training nothing,
                          when the data's content digest equals the champion's (unless --train-unchanged)
  list                    every schedule
  describe <id>           its spec, policies, state, recent and next runs
  pause <id> [--note <text>] | unpause <id> [--note <text>]
  trigger <id>            one run now (the overlap policy applies)
  backfill <id> --from <ISO time> --to <ISO time>   the runs the schedule would have started in that range
  delete <id>
durations: 30s, 15m, 12h, 7d. The same with the Temporal CLI: temporal schedule create|list|describe|toggle|trigger|backfill|delete`;

const OVERLAP: Record<string, ScheduleOverlapPolicy> = {
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE, skip: ScheduleOverlapPolicy.SKIP, 'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER, 'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER, 'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
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
  for (const [flag, value] of [['--every', o.every], ['--catchup', o.catchup]] as const) {
    if (value !== undefined && !Duration.safeParse(value).success) throw new UsageError(`${flag}: expected a duration such as 30s, 15m, 12h or 7d, found ${value}`);
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
  const recent = d.info.recentActions.slice(-5).map((a) => `    ${a.takenAt.toISOString()}  ${a.action.type === 'startWorkflow' ? a.action.workflow.workflowId : ''}`);
  return [
    `schedule ${d.scheduleId}: ${action}${memo.spec ? ` of ${memo.spec}` : ''}, ${when}`,
    `  state: ${d.state.paused ? 'paused' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`,
    `  policies: overlap ${d.policies.overlap}, catch-up window ${d.policies.catchupWindow / 1000} s, pause on failure ${d.policies.pauseOnFailure ? 'yes' : 'no'}`,
    `  runs taken: ${d.info.numActionsTaken}, skipped by overlap: ${d.info.numActionsSkippedOverlap}, running: ${d.info.runningActions.map((r) => r.workflow.workflowId).join(', ') || 'none'}`,
    `  next: ${d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()).join(', ') || 'none'}`,
    ...(recent.length ? ['  recent:', ...recent] : []),
  ].join('\n');
}

/** `anneal schedule ...`: Temporal Schedules of retrains (no scheduler of Anneal's own). */
export async function scheduleCommand(config: Config, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      cron: { type: 'string' }, every: { type: 'string' }, overlap: { type: 'string' }, catchup: { type: 'string' }, note: { type: 'string' },
      'pause-on-failure': { type: 'boolean', default: false }, 'train-unchanged': { type: 'boolean', default: false }, paused: { type: 'boolean', default: false },
      from: { type: 'string' }, to: { type: 'string' },
    },
  });
  const [action, id, specPath] = positionals;
  if (!action || (action !== 'list' && !id)) throw new UsageError(SCHEDULE_USAGE);
  const client = await connectClient(config);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const handle = client.schedule.getHandle(id ?? '');
    switch (action) {
      case 'create': {
        if (!specPath) throw new UsageError('schedule create: give a schedule id and a spec file, e.g. anneal schedule create nightly examples/fine-tune-digits-5-9.json --cron "0 3 * * *"');
        const created = await createRetrainSchedule(client, {
          scheduleId: id as string, specPath, cron: values.cron, every: values.every, overlap: values.overlap, catchup: values.catchup,
          pauseOnFailure: values['pause-on-failure'], trainUnchanged: values['train-unchanged'], note: values.note, paused: values.paused,
        });
        say(describeSchedule(await client.schedule.getHandle(created).describe()));
        return 0;
      }
      case 'list':
        for await (const s of client.schedule.list()) say(`${s.scheduleId}  ${s.state.paused ? 'paused' : 'active'}  ${s.action?.type === 'startWorkflow' ? s.action.workflowType : ''}  next ${s.info.nextActionTimes[0]?.toISOString() ?? 'none'}`);
        return 0;
      case 'describe': say(describeSchedule(await handle.describe())); return 0;
      case 'pause': await handle.pause(values.note ?? 'paused by anneal schedule pause'); say(`paused ${id}`); return 0;
      case 'unpause': await handle.unpause(values.note ?? 'unpaused by anneal schedule unpause'); say(`unpaused ${id}`); return 0;
      case 'trigger': {
        // The SDK's trigger allows overlap unless told otherwise; a manual run keeps the schedule's policy.
        const { policies } = await handle.describe();
        await handle.trigger(policies.overlap);
        say(`triggered ${id} (overlap ${policies.overlap})`);
        return 0;
      }
      case 'backfill': {
        const [start, end] = [values.from, values.to].map((t) => new Date(t ?? ''));
        if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw new UsageError('schedule backfill: give --from and --to as ISO times, e.g. --from 2026-12-01T00:00:00Z --to 2026-12-02T00:00:00Z');
        await handle.backfill({ start, end });
        say(`backfilled ${id} from ${start.toISOString()} to ${end.toISOString()}`);
        return 0;
      }
      case 'delete': await handle.delete(); say(`deleted ${id}`); return 0;
      default: throw new UsageError(SCHEDULE_USAGE);
    }
  } finally {
    await client.connection.close();
  }
}

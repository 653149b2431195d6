import { parseArgs } from 'node:util';
import { CPU_TASK_QUEUE, GPU_TASK_QUEUE } from '@anneal/contracts';
import { down, demo, doctor, serveWorkers, start, up } from './commands';
import { loadConfig } from './config';
import { datasetCommand, UsageError } from './dataset-command';
import { approvalCommand } from './approval-command';
import { dataCommand } from './data-command';
import { modelCommand } from './model-command';
import { scheduleCommand } from './schedule-command';
import { specCommand } from './spec-command';
import type { Queue } from './worker';

const USAGE = `usage: anneal <command>
  up                      start local Temporal and MLflow servers (reused when already up)
  down                    stop the local servers that \`up\` started
  worker [--queue cpu|gpu|all]  (or the queue names: anneal, anneal-gpu)
                          run a worker (cpu: workflows + data/eval activities on 'anneal'; gpu: training on 'anneal-gpu')
  start <spec.json> [--type fineTune|pretrain] [--no-wait]
                          validate a spec and start its pipeline
  demo                    the whole demo: services, worker, pretrain, fine-tune, results
  doctor                  check services and the TF.js backend
  dataset validate <source> [--schema file] [--json]
                          validate a dataset without a workflow (\`anneal dataset\` for options)
  model inspect <source> [--cut layer] [--json]
                          a model's layers, parameters, suggested cut and graph-engine support
  spec schema <fineTune|pretrain>
                          a spec's JSON Schema (schemas/*.schema.json), for editors
  status <workflow id>    what a retrain waits for (the gate, an approval)
  approve|reject <workflow id> --approver <who> [--comment text]
                          decide on the challenger a retrain waits with
  rollback <model> [--by who]   champion back to the previous version (audited)
  history <model>         every alias move and approval of a registered model
  schedule create|list|describe|pause|unpause|trigger|backfill|delete ...
                          retrain on a Temporal Schedule (\`anneal schedule\` for options)
  data arrived <spec.json> [--source path|url]
                          retrain once per new data digest (signal-with-start)`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'dataset') return usageErrorsAsExit2(() => datasetCommand(loadConfig(), rest));
  if (command === 'model') return usageErrorsAsExit2(() => modelCommand(loadConfig(), rest));
  if (command === 'spec') return usageErrorsAsExit2(() => specCommand(rest));
  if (command === 'schedule') return usageErrorsAsExit2(() => scheduleCommand(loadConfig(), rest));
  if (command === 'data') return usageErrorsAsExit2(() => dataCommand(loadConfig(), rest));
  if (command && ['status', 'approve', 'reject', 'rollback', 'history'].includes(command)) return usageErrorsAsExit2(() => approvalCommand(loadConfig(), command, rest));
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { queue: { type: 'string', default: 'all' }, type: { type: 'string' }, 'no-wait': { type: 'boolean', default: false } },
  });
  const config = loadConfig();
  switch (command) {
    case 'up': await up(config); return 0;
    case 'down': down(config); return 0;
    case 'demo': await demo(config); return 0;
    case 'doctor': return (await doctor(config)) ? 0 : 1;
    case 'worker': {
      // The task queues' own names work too: anneal (cpu) and anneal-gpu (gpu).
      const named: Record<string, Queue[]> = { all: ['cpu', 'gpu'], cpu: ['cpu'], gpu: ['gpu'], [CPU_TASK_QUEUE]: ['cpu'], [GPU_TASK_QUEUE]: ['gpu'] };
      const queue = values.queue ?? 'all';
      const queues = Object.hasOwn(named, queue) ? named[queue] : undefined;
      if (!queues) throw new Error(`--queue: expected cpu (${CPU_TASK_QUEUE}), gpu (${GPU_TASK_QUEUE}) or all, found ${values.queue}`);
      await serveWorkers(config, queues);
      return 0;
    }
    case 'start': {
      const specPath = positionals[0];
      if (!specPath) throw new Error('start: give the path of a spec file, e.g. examples/fine-tune-digits-5-9.json');
      if (values.type !== undefined && values.type !== 'fineTune' && values.type !== 'pretrain') throw new Error(`--type: expected fineTune or pretrain, found ${values.type}`);
      await start(config, { specPath, type: values.type, wait: !values['no-wait'] });
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

/** Bad options and unreadable sources are one line on stderr and exit 2 (a failed dataset check is exit 1). */
async function usageErrorsAsExit2(command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (err) {
    const typed = err as { type?: string; code?: string };
    const known = err instanceof UsageError || typed.type !== undefined || typed.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || typed.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE';
    if (!known) throw err;
    process.stderr.write(`anneal: ${(err as Error).message}\n`);
    return 2;
  }
}

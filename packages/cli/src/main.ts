import { Command, CommanderError, Option } from 'commander';
import { CPU_TASK_QUEUE, GPU_TASK_QUEUE } from '@anneal/contracts';
import { registerApprovalCommands } from './approval-command';
import { Cli, isUsageError } from './cli-context';
import { demo, doctor, down, follow, serveWorkers, start, up } from './commands';
import { registerDataCommands } from './data-command';
import { registerDatasetCommands } from './dataset-command';
import { registerModelCommands } from './model-command';
import { registerPredictCommand } from './predict-command';
import { registerRunsCommand } from './runs-command';
import { registerScheduleCommands } from './schedule-command';
import { registerSpecCommands } from './spec-command';
import { PIPELINE_TYPES, type PipelineType } from './spec-file';
import type { Queue } from './worker';

// The task queues' own names work too: anneal (cpu) and anneal-gpu (gpu).
const QUEUES: Record<string, Queue[]> = { all: ['cpu', 'gpu'], cpu: ['cpu'], gpu: ['gpu'], [CPU_TASK_QUEUE]: ['cpu'], [GPU_TASK_QUEUE]: ['gpu'] };

/** The whole command line: every command with its own `--help`, typo suggestions, and exit 2 for bad usage. */
export function buildProgram(cli: Cli): Command {
  const program = new Command('anneal')
    .description('Fine-tune pre-trained models as durable Temporal workflows, tracked in MLflow.')
    .option('--verbose', "show TensorFlow's native logging and the workers' lifecycle lines")
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ outputError: (text, write) => write(`anneal: ${text.replace(/^error: /, '')}`) })
    .hook('preAction', (cmd) => {
      cli.verbose = cmd.optsWithGlobals<{ verbose?: boolean }>().verbose === true;
    });
  program
    .command('up')
    .description('start local Temporal and MLflow servers (reused when already up)')
    .action(cli.action(() => up(cli.config)));
  program
    .command('down')
    .description('stop the local servers that `anneal up` started')
    .action(cli.action(async () => down(cli.config)));
  program
    .command('worker')
    .description("run a worker: cpu serves workflows and data/evaluation activities on 'anneal', gpu serves training on 'anneal-gpu'")
    .addOption(new Option('--queue <queue>', 'which task queues to poll').choices(Object.keys(QUEUES)).default('all'))
    .action(cli.action((o: { queue: string }) => serveWorkers(cli.config, QUEUES[o.queue] ?? [], { verbose: cli.verbose })));
  program
    .command('start')
    .description('validate a spec and start its pipeline, then follow it to the end')
    .argument('<spec>', 'a pipeline spec (JSON), e.g. examples/fine-tune-digits-5-9.json')
    .addOption(
      new Option(
        '--type <type>',
        'the pipeline (default: pretrain when the spec has an architecture, fineTune otherwise; tune: only the study of a fineTune spec, nothing tested or registered)',
      ).choices([...PIPELINE_TYPES]),
    )
    .option('--no-wait', 'start it and return at once')
    .option('--warm-start-from <workflow-id>', 'try the best configuration of an earlier fineTune or tune first (prepended to tuning.warmStart)')
    .action(
      cli.action((specPath: string, o: { type?: PipelineType; wait: boolean; warmStartFrom?: string }) =>
        start(cli.config, { specPath, type: o.type, wait: o.wait, ...(o.warmStartFrom ? { warmStartFrom: o.warmStartFrom } : {}) }),
      ),
    );
  program
    .command('follow')
    .description('follow a running pipeline: its progress, then its result (Ctrl-C stops following; the pipeline goes on)')
    .argument('<workflow-id>', 'the id `anneal start` printed')
    .action(cli.action((workflowId: string) => follow(cli.config, workflowId)));
  program
    .command('demo')
    .description('the whole demo: services, a worker, pretrain, fine-tune, gate and promotion')
    .action(cli.action(() => demo(cli.config, { verbose: cli.verbose })));
  program
    .command('doctor')
    .description('check the services and the TF.js backend')
    .action(cli.action(async () => ((await doctor(cli.config)) ? 0 : 1)));
  const registers = [
    registerRunsCommand,
    registerPredictCommand,
    registerDatasetCommands,
    registerModelCommands,
    registerSpecCommands,
    registerApprovalCommands,
    registerScheduleCommands,
    registerDataCommands,
  ];
  for (const register of registers) register(program, cli);
  return program;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const cli = new Cli(env);
  const program = buildProgram(cli);
  for (const cmd of [program, ...allCommands(program)]) cmd.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return cli.exitCode;
  } catch (err) {
    // Commander has printed its message (or the help) already.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (!isUsageError(err)) throw err;
    process.stderr.write(`anneal: ${(err as Error).message}\n`);
    return 2;
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

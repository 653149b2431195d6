import { Argument, type Command } from 'commander';
import { PIPELINE_SPECS, specJsonSchema } from '@anneal/contracts';
import type { Cli } from './cli-context';

/** `anneal spec schema <type>`: a pipeline spec's JSON Schema on stdout. */
export function registerSpecCommands(program: Command, cli: Cli): void {
  program
    .command('spec')
    .description('pipeline specs')
    .command('schema')
    .description('a spec\'s JSON Schema (what schemas/*.schema.json hold; point a spec\'s "$schema" at one for completion and checking in an editor)')
    .addArgument(new Argument('<type>', 'the pipeline').choices(Object.keys(PIPELINE_SPECS)))
    .action(
      cli.action(async (type: keyof typeof PIPELINE_SPECS) => {
        process.stdout.write(`${JSON.stringify(specJsonSchema(type), null, 2)}\n`);
      }),
    );
}

import { PIPELINE_SPECS, specJsonSchema } from '@anneal/contracts';
import { UsageError } from './dataset-command';

export const SPEC_USAGE = `usage: anneal spec schema <${Object.keys(PIPELINE_SPECS).join(' | ')}>
  prints the spec's JSON Schema (what schemas/*.schema.json hold; point a spec's "$schema" at one for completion
  and checking in an editor)`;

/** `anneal spec schema <type>`: a pipeline spec's JSON Schema on stdout. */
export function specCommand(argv: string[]): Promise<number> {
  const [action, type] = argv;
  if (action !== 'schema' || !type) throw new UsageError(SPEC_USAGE);
  if (!Object.hasOwn(PIPELINE_SPECS, type)) throw new UsageError(`spec schema: expected ${Object.keys(PIPELINE_SPECS).join(' or ')}, found ${type}`);
  process.stdout.write(`${JSON.stringify(specJsonSchema(type as keyof typeof PIPELINE_SPECS), null, 2)}\n`);
  return Promise.resolve(0);
}

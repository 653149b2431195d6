import { readFile } from 'node:fs/promises';
import { FineTuneSpec, PretrainSpec, parseWithProblems } from '@anneal/contracts';
import { UsageError } from './cli-context';

/** The pipelines a spec starts: `tune` takes fineTune's spec and runs only its study. */
export type PipelineType = 'fineTune' | 'pretrain' | 'tune';
export const PIPELINE_TYPES: readonly PipelineType[] = ['fineTune', 'pretrain', 'tune'];

/**
 * A spec file, checked with the workflow's own schema (a bad spec fails here, listing every problem). The raw JSON
 * is what gets sent: the workflow parses it again with the same schema, so its defaults apply there.
 */
export async function readSpecFile(
  path: string,
  type?: PipelineType,
): Promise<{ type: PipelineType; raw: Record<string, unknown>; spec: FineTuneSpec | PretrainSpec }> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${path}: ${(err as Error).message}`);
  }
  const kind: PipelineType = type ?? (raw.architecture ? 'pretrain' : 'fineTune');
  const parsed = parseWithProblems(kind === 'pretrain' ? PretrainSpec : FineTuneSpec, raw);
  if (!parsed.ok) throw new UsageError(`${path} is not a valid ${kind} spec:\n  ${parsed.problems.join('\n  ')}`);
  return { type: kind, raw, spec: parsed.value };
}

/** A retrain started by a schedule or by new data trains only when the champion has not seen these very rows. */
export function onlyOnNewData(raw: Record<string, unknown>): Record<string, unknown> {
  return { ...raw, register: { ...(raw.register as object | undefined), skipIfDataUnchanged: true } };
}

export async function readFineTuneSpec(path: string): Promise<{ raw: Record<string, unknown>; spec: FineTuneSpec }> {
  const { raw, spec } = await readSpecFile(path, 'fineTune');
  return { raw, spec: spec as FineTuneSpec };
}

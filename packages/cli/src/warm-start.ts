import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { FineTuneSpec, parseWithProblems } from '@anneal/contracts';
import type { ArmResult, FineTuneResult, TunedArm, TuneResult } from '@anneal/workflows';
import { UsageError } from './cli-context';

type WarmStart = { learningRate: number; epochs: number; strategy: string; candidate?: number };

/**
 * The spec with the best configuration of an earlier fineTune (its champion) or tune (its best arm) tried first:
 * prepended to `tuning.warmStart`. With `model.select: search` the entry names the candidate, found in this spec by
 * the earlier run's own candidate spec; one this spec does not list is an error. The earlier trial's other
 * dimensions (batch size, regularization) are not part of a warm start: the sampler draws them.
 */
export async function withWarmStartFrom(
  client: Client,
  raw: Record<string, unknown>,
  workflowId: string,
): Promise<{ raw: Record<string, unknown>; entry: WarmStart }> {
  const handle = client.workflow.getHandle(workflowId);
  const { type, status } = await handle.describe();
  if (type !== 'fineTune' && type !== 'tune') throw new UsageError(`--warm-start-from ${workflowId}: a ${type} workflow, not a fineTune or tune`);
  if (status.name !== 'COMPLETED') throw new UsageError(`--warm-start-from ${workflowId}: it is ${status.name.toLowerCase()}, not completed`);
  const result = (await handle.result()) as FineTuneResult | TuneResult;
  const best = (result.arms as (ArmResult | TunedArm)[]).find((a) => ('champion' in a && a.champion) || ('best' in a && a.best));
  if (!best) throw new UsageError(`--warm-start-from ${workflowId}: it trained nothing (no best arm in its result)`);
  const spec = parseWithProblems(FineTuneSpec, raw);
  if (!spec.ok) throw new UsageError(`the spec is not valid:\n  ${spec.problems.join('\n  ')}`);
  const hp = best.hyperparameters;
  const entry: WarmStart = { learningRate: hp.learningRate, epochs: hp.epochs, strategy: hp.strategy };
  if (spec.value.model.select === 'search') entry.candidate = await candidateHere({ handle, workflowId, earlier: best.candidate, raw });
  const tuning = (raw.tuning ?? {}) as { warmStart?: unknown[] };
  return { raw: { ...raw, tuning: { ...tuning, warmStart: [entry, ...(tuning.warmStart ?? [])] } }, entry };
}

/** Where the earlier run's best candidate is among this spec's candidates: the same candidate spec, field for field. */
async function candidateHere(o: {
  handle: ReturnType<Client['workflow']['getHandle']>;
  workflowId: string;
  earlier: number | undefined;
  raw: Record<string, unknown>;
}): Promise<number> {
  if (o.earlier === undefined) throw new UsageError(`--warm-start-from ${o.workflowId}: its result does not say which candidate won (recorded before it did)`);
  const history = await o.handle.fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const input = payload ? FineTuneSpec.safeParse(defaultPayloadConverter.fromPayload(payload)) : undefined;
  const won = input?.success ? input.data.model.candidates[o.earlier] : undefined;
  const here = FineTuneSpec.parse(o.raw).model.candidates;
  const index = here.findIndex((c) => JSON.stringify(c) === JSON.stringify(won));
  if (!won || index < 0)
    throw new UsageError(`--warm-start-from ${o.workflowId}: its best trained candidate ${JSON.stringify(won ?? o.earlier)}, which this spec does not list`);
  return index;
}

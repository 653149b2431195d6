import { parseArgs } from 'node:util';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ModelRegistry, aliasHistory, type AuditEntry } from '@anneal/registry';
import type { PromotionStatus } from '@anneal/workflows';
import type { Config } from './config';
import { connectClient, mlflowOf } from './connect';
import { UsageError } from './dataset-command';

export const APPROVAL_USAGE = `usage:
  anneal status <workflow id>                       what a retrain waits for (the gate, an approval, nothing)
  anneal approve <workflow id> --approver <who> [--comment <text>] [--version <n>]
  anneal reject <workflow id> --approver <who> [--comment <text>] [--version <n>]
                          decide on the challenger a retrain waits with (--version: refuse unless it is this one)
  anneal rollback <model> [--by <who>] [--comment <text>]   champion back to the previous version, audited
  anneal history <model>  every alias move and decision of a registered model, newest first
The same with the Temporal CLI: temporal workflow query --workflow-id <id> --type status;
  temporal workflow update execute --workflow-id <id> --name approve --input '{"version":"8","approver":"ana"}'`;

/** Sends an approve or reject Update; the workflow's validator refuses a wrong version, a missing approver or a second decision. */
export async function decide(client: Client, o: { workflowId: string; decision: 'approve' | 'reject'; approver: string; comment?: string; version?: string }): Promise<PromotionStatus> {
  const handle = client.workflow.getHandle(o.workflowId);
  const version = o.version ?? (await handle.query<PromotionStatus>('status')).challenger;
  if (!version) throw new UsageError(`${o.workflowId} has no challenger yet (see anneal status ${o.workflowId})`);
  try {
    return await handle.executeUpdate<PromotionStatus, [unknown]>(o.decision, { args: [{ version, approver: o.approver, comment: o.comment ?? '' }] });
  } catch (err) {
    // The validator's reason is the cause; the update itself left no trace in the workflow's history.
    if (err instanceof WorkflowUpdateFailedError) throw new UsageError(`${o.decision} refused: ${(err.cause as Error | undefined)?.message ?? err.message}`);
    throw err;
  }
}

export function formatStatus(workflowId: string, s: PromotionStatus): string {
  const lines = [`${workflowId}: waiting for ${s.waitingFor}`];
  if (s.challenger) lines.push(`  challenger v${s.challenger}${s.champion !== undefined ? ` against champion ${s.champion ? `v${s.champion}` : '(none yet)'}` : ''}`);
  if (s.gate) lines.push(`  gate ${s.gate.passed ? 'passed' : `failed: ${s.gate.failed.join(', ')}`}`);
  if (s.deadline && s.waitingFor === 'approval') lines.push(`  no decision by ${s.deadline}: nothing is promoted`);
  if (s.decision) lines.push(`  ${s.decision.decision} by ${s.decision.approver}${s.decision.comment ? `: ${s.decision.comment}` : ''}`);
  return lines.join('\n');
}

export function formatHistory(entries: AuditEntry[]): string {
  if (entries.length === 0) return 'no alias moves recorded';
  return entries.map((e) => {
    const what = e.decision ? `v${e.to} ${e.decision}` : `@${e.alias}: ${e.from ? `v${e.from}` : 'none'} -> v${e.to}`;
    const who = [e.workflowId ? `by ${e.workflowId}` : '', e.approver ? `approver ${e.approver}` : '', e.comment ? `"${e.comment}"` : ''].filter(Boolean).join(', ');
    return `${new Date(e.at).toISOString()}  ${what}  (${e.reason}${who ? `; ${who}` : ''})`;
  }).join('\n');
}

/** `anneal status|approve|reject|rollback|history`. */
export async function approvalCommand(config: Config, command: string, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { approver: { type: 'string' }, comment: { type: 'string' }, version: { type: 'string' }, by: { type: 'string' } },
  });
  const [target] = positionals;
  if (!target) throw new UsageError(APPROVAL_USAGE);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (command === 'rollback' || command === 'history') {
    const { mlflow } = mlflowOf(config);
    if (command === 'history') say(formatHistory(await aliasHistory(mlflow, target)));
    else {
      const by = values.by ?? process.env.USER ?? 'unknown';
      const moves = await new ModelRegistry(mlflow).rollback({ name: target, by, ...(values.comment ? { comment: values.comment } : {}) });
      for (const m of moves) say(`${m.name}@${m.alias}: v${m.from} -> v${m.to} (audit run ${m.auditRunId})`);
    }
    return 0;
  }
  const client = await connectClient(config);
  try {
    if (command === 'status') {
      say(formatStatus(target, await client.workflow.getHandle(target).query<PromotionStatus>('status')));
      return 0;
    }
    if (!values.approver?.trim()) throw new UsageError(`${command}: --approver <who> is required (it goes into the audit trail)`);
    const status = await decide(client, { workflowId: target, decision: command as 'approve' | 'reject', approver: values.approver, comment: values.comment, version: values.version });
    say(`${command === 'approve' ? 'approved' : 'rejected'} v${status.challenger} of ${target}`);
    return 0;
  } finally {
    await client.connection.close();
  }
}

import type { Command } from 'commander';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ModelRegistry, aliasHistory, type AuditEntry } from '@anneal/registry';
import type { PromotionStatus } from '@anneal/workflows';
import { UsageError, say, type Cli } from './cli-context';
import { mlflowOf, withClient } from './connect';

const TEMPORAL_CLI = `
The same with the Temporal CLI: temporal workflow query --workflow-id <id> --type status;
  temporal workflow update execute --workflow-id <id> --name approve --input '{"version":"8","approver":"ana"}'`;

interface DecideOptions {
  approver: string;
  comment?: string;
  version?: string;
}

export function registerApprovalCommands(program: Command, cli: Cli): void {
  program
    .command('status')
    .description('what a retrain waits for: the gate, an approval, nothing')
    .argument('<workflow-id>')
    .addHelpText('after', TEMPORAL_CLI)
    .action(
      cli.action((id: string) =>
        withClient(cli.config, async (client) => say(formatStatus(id, await client.workflow.getHandle(id).query<PromotionStatus>('status')))),
      ),
    );
  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(decision)
      .description(`${decision} the challenger a retrain waits with`)
      .argument('<workflow-id>')
      .requiredOption('--approver <who>', 'who decides (it goes into the audit trail)')
      .option('--comment <text>', 'why')
      .option('--version <n>', 'refuse unless the challenger is this version')
      .addHelpText('after', TEMPORAL_CLI)
      .action(
        cli.action((id: string, o: DecideOptions) =>
          withClient(cli.config, async (client) => {
            if (!o.approver.trim()) throw new UsageError(`${decision}: --approver <who> is required (it goes into the audit trail)`);
            const status = await decide(client, { workflowId: id, decision, ...o });
            say(`${decision === 'approve' ? 'approved' : 'rejected'} v${status.challenger} of ${id}`);
          }),
        ),
      );
  }
  program
    .command('rollback')
    .description('champion back to the previous version, audited')
    .argument('<model>', 'a registered model name')
    .option('--by <who>', 'who rolls back (default: $USER)')
    .option('--comment <text>', 'why')
    .action(
      cli.action(async (model: string, o: { by?: string; comment?: string }) => {
        const by = o.by ?? process.env.USER ?? 'unknown';
        const moves = await new ModelRegistry(mlflowOf(cli.config).mlflow).rollback({ name: model, by, ...(o.comment ? { comment: o.comment } : {}) });
        for (const m of moves) say(`${m.name}@${m.alias}: v${m.from} -> v${m.to} (audit run ${m.auditRunId})`);
      }),
    );
  program
    .command('history')
    .description('every alias move and decision of a registered model, newest first')
    .argument('<model>', 'a registered model name')
    .action(cli.action(async (model: string) => say(formatHistory(await aliasHistory(mlflowOf(cli.config).mlflow, model)))));
}

/** Sends an approve or reject Update; the workflow's validator refuses a wrong version, a missing approver or a second decision. */
export async function decide(
  client: Client,
  o: { workflowId: string; decision: 'approve' | 'reject'; approver: string; comment?: string; version?: string },
): Promise<PromotionStatus> {
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
  if (s.challenger)
    lines.push(`  challenger v${s.challenger}${s.champion !== undefined ? ` against champion ${s.champion ? `v${s.champion}` : '(none yet)'}` : ''}`);
  if (s.gate) lines.push(`  gate ${s.gate.passed ? 'passed' : `failed: ${s.gate.failed.join(', ')}`}`);
  if (s.deadline && s.waitingFor === 'approval') lines.push(`  no decision by ${s.deadline}: nothing is promoted`);
  if (s.decision) lines.push(`  ${s.decision.decision} by ${s.decision.approver}${s.decision.comment ? `: ${s.decision.comment}` : ''}`);
  return lines.join('\n');
}

export function formatHistory(entries: AuditEntry[]): string {
  if (entries.length === 0) return 'no alias moves recorded';
  return entries
    .map((e) => {
      const what = e.decision ? `v${e.to} ${e.decision}` : `@${e.alias}: ${e.from ? `v${e.from}` : 'none'} -> v${e.to}`;
      const who = [e.workflowId ? `by ${e.workflowId}` : '', e.approver ? `approver ${e.approver}` : '', e.comment ? `"${e.comment}"` : '']
        .filter(Boolean)
        .join(', ');
      return `${new Date(e.at).toISOString()}  ${what}  (${e.reason}${who ? `; ${who}` : ''})`;
    })
    .join('\n');
}

import { MLFLOW_TAGS, type AliasMove, type MoveReason } from '@anneal/contracts';
import type { MlflowClient, Run } from '@anneal/tracking';

/** The MLflow experiment that keeps every alias move (MLflow itself keeps no history of aliases). */
export const AUDIT_EXPERIMENT = 'anneal-registry';

const TAG = {
  model: 'anneal.registry.model',
  alias: 'anneal.registry.alias',
  from: 'anneal.registry.from',
  to: 'anneal.registry.to',
  reason: 'anneal.registry.reason',
  workflow: 'anneal.registry.workflowId',
  approver: 'anneal.registry.approver',
  comment: 'anneal.registry.comment',
  decision: 'anneal.registry.decision',
} as const;

/** One alias move (or, with `decision`, a person's decision on a version) as the audit trail shows it. */
export interface AuditEntry extends AliasMove, MoveReason {
  at: number;
  decision?: string;
}

/**
 * Records a move: a FINISHED run in `anneal-registry` (when: its start time; what, why, by which workflow, approved
 * by whom: its tags) and a tag `anneal.alias.<alias>` on the version it now points at.
 */
export async function recordMove(
  mlflow: MlflowClient,
  o: { name: string; alias: string; from: string | null; to: string; key?: string; why: MoveReason },
): Promise<AliasMove> {
  const from = o.from ? `v${o.from}` : 'none';
  const by = o.why.approver ? `, approved by ${o.why.approver}` : '';
  const runId = await writeAudit(mlflow, {
    runName: `${o.name}@${o.alias}: ${from} -> v${o.to}`,
    tags: { [TAG.model]: o.name, [TAG.alias]: o.alias, [TAG.from]: o.from ?? '', [TAG.to]: o.to, [TAG.reason]: o.why.reason, ...whoTags(o.why, o.key) },
    versionTag: { name: o.name, version: o.to, key: `anneal.alias.${o.alias}`, value: `${new Date().toISOString()} from ${from}: ${o.why.reason}${by}` },
  });
  return { name: o.name, alias: o.alias, from: o.from, to: o.to, auditRunId: runId };
}

/** An approval, rejection or approval timeout of a version: a run in the audit trail and a tag on the version. */
export async function recordDecision(
  mlflow: MlflowClient,
  o: { name: string; version: string; decision: string; approver?: string; comment?: string; workflowId?: string },
): Promise<string> {
  const key = o.workflowId ? `${o.workflowId}:${o.name}:${o.version}:decision` : undefined;
  const found = key ? await findAuditRun(mlflow, key) : undefined;
  if (found) return found.info.run_id;
  const by = o.approver ? ` by ${o.approver}` : '';
  return writeAudit(mlflow, {
    runName: `${o.name} v${o.version}: ${o.decision}${by}`,
    tags: {
      [TAG.model]: o.name,
      [TAG.alias]: '',
      [TAG.from]: '',
      [TAG.to]: o.version,
      [TAG.reason]: `${o.decision}${by}`,
      [TAG.decision]: o.decision,
      ...whoTags({ reason: '', ...o }, key),
    },
    versionTag: { name: o.name, version: o.version, key: 'anneal.approval', value: `${o.decision}${by}${o.comment ? `: ${o.comment}` : ''}` },
  });
}

/** The move a workflow already recorded under `key` (a retried activity), if any. */
export async function findMove(mlflow: MlflowClient, key: string): Promise<AliasMove | undefined> {
  const run = await findAuditRun(mlflow, key);
  return run ? toEntry(run) : undefined;
}

async function writeAudit(
  mlflow: MlflowClient,
  o: { runName: string; tags: Record<string, string>; versionTag: { name: string; version: string; key: string; value: string } },
): Promise<string> {
  const experimentId = await mlflow.getOrCreateExperiment(AUDIT_EXPERIMENT);
  const run = await mlflow.createRun({ experimentId, runName: o.runName, tags: o.tags });
  await mlflow.updateRun({ runId: run.info.run_id, status: 'FINISHED' });
  await mlflow.setModelVersionTag(o.versionTag);
  return run.info.run_id;
}

async function findAuditRun(mlflow: MlflowClient, key: string): Promise<Run | undefined> {
  const experimentId = await mlflow.getOrCreateExperiment(AUDIT_EXPERIMENT);
  return (await mlflow.searchRuns({ experimentIds: [experimentId], filter: `tags.\`${MLFLOW_TAGS.idempotencyKey}\` = '${key}'`, maxResults: 1 }))[0];
}

/** Who and which workflow, as tags (the idempotency key lets a retried activity find its record). */
function whoTags(why: MoveReason, key: string | undefined): Record<string, string> {
  return {
    ...(why.workflowId ? { [TAG.workflow]: why.workflowId, [MLFLOW_TAGS.workflowId]: why.workflowId } : {}),
    ...(why.approver ? { [TAG.approver]: why.approver } : {}),
    ...(why.comment ? { [TAG.comment]: why.comment } : {}),
    ...(key ? { [MLFLOW_TAGS.idempotencyKey]: key } : {}),
  };
}

/** Every move of `name`'s aliases, newest first. */
export async function aliasHistory(mlflow: MlflowClient, name: string, maxResults = 100): Promise<AuditEntry[]> {
  const experimentId = await mlflow.getOrCreateExperiment(AUDIT_EXPERIMENT);
  const runs = await mlflow.searchRuns({ experimentIds: [experimentId], filter: `tags.\`${TAG.model}\` = '${name}'`, maxResults });
  return runs.map(toEntry).sort((a, b) => b.at - a.at);
}

function toEntry(run: Run): AuditEntry {
  const tag = (key: string) => run.data.tags.find((t) => t.key === key)?.value;
  const optional = (field: keyof MoveReason, key: string) => (tag(key) ? { [field]: tag(key) } : {});
  return {
    name: tag(TAG.model) ?? '',
    alias: tag(TAG.alias) ?? '',
    from: tag(TAG.from) || null,
    to: tag(TAG.to) ?? '',
    auditRunId: run.info.run_id,
    reason: tag(TAG.reason) ?? '',
    at: run.info.start_time ?? 0,
    ...optional('workflowId', TAG.workflow),
    ...optional('approver', TAG.approver),
    ...optional('comment', TAG.comment),
    ...(tag(TAG.decision) ? { decision: tag(TAG.decision) } : {}),
  };
}

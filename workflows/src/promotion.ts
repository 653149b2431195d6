import { ActivityFailure, ApplicationFailure, condition, defineQuery, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  ALIASES,
  ApprovalDecision,
  ErrorType,
  formatIssues,
  type AliasDescription,
  type BackendName,
  type DriftSummary,
  type AliasMove,
  type DatasetRef,
  type EvaluationMetrics,
  type FineTuneRegisterSpec,
  type GateVerdict,
  type In,
  type ModelRef,
  type RegisteredModel,
} from '@anneal/contracts';
import type { Stage } from './stages';

/** What the retrain waits for, for `anneal status` and `temporal workflow query --type status`. */
export interface PromotionStatus {
  waitingFor: 'training' | 'gate' | 'approval' | 'promotion' | 'nothing';
  challenger?: string;
  champion?: string | null;
  /** When an approval wait ends without a decision (ISO time). */
  deadline?: string;
  gate?: { passed: boolean; failed: string[] };
  decision?: ApprovalDecision & { decision: 'approved' | 'rejected' };
}

export interface PromotionOutcome {
  promoted: boolean;
  reason: string;
  approver?: string;
  moves: AliasMove[];
}

export const statusQuery = defineQuery<PromotionStatus>('status');
/** Approve the waiting challenger: `{ version, approver, comment }`. */
export const approveUpdate = defineUpdate<PromotionStatus, [In<typeof ApprovalDecision>]>('approve');
export const rejectUpdate = defineUpdate<PromotionStatus, [In<typeof ApprovalDecision>]>('reject');

/**
 * The approval handlers and the status query, set when the workflow starts: an early, late, second or mistaken
 * decision is refused by the validator and leaves no event in the history.
 */
export function installApproval(): PromotionStatus {
  const status: PromotionStatus = { waitingFor: 'training' };
  setHandler(statusQuery, () => status);
  const validate = (raw: In<typeof ApprovalDecision>) => {
    const parsed = ApprovalDecision.safeParse(raw);
    if (!parsed.success) throw new Error(`expected { version, approver, comment }: ${formatIssues(parsed.error.issues).join('; ')}`);
    if (status.decision) throw new Error(`v${status.challenger} was already ${status.decision.decision} by ${status.decision.approver}`);
    if (status.waitingFor !== 'approval') throw new Error(`not waiting for an approval (waiting for: ${status.waitingFor})`);
    if (parsed.data.version !== status.challenger) throw new Error(`the challenger waiting for approval is v${status.challenger}, not v${parsed.data.version}`);
  };
  const decide = (decision: 'approved' | 'rejected') => (raw: In<typeof ApprovalDecision>) => {
    status.decision = { ...ApprovalDecision.parse(raw), decision };
    return status;
  };
  setHandler(approveUpdate, decide('approved'), { validator: validate });
  setHandler(rejectUpdate, decide('rejected'), { validator: validate });
  return status;
}

export interface GateAndPromote {
  register: FineTuneRegisterSpec;
  champion: AliasDescription | null;
  model: ModelRef;
  sourceRunId: string;
  description: string;
  tags: Record<string, string>;
  test: DatasetRef;
  rowsFrom: 'pinned' | 'this split';
  testMetrics: EvaluationMetrics;
  drift?: DriftSummary;
  backend: BackendName;
  /** Called as the challenger moves on (`gate`, `waiting for approval`, `promotion`): the pipeline's stage. */
  enter: (stage: string) => void;
}

/**
 * The new version waits as `challenger`; the gate scores it and the champion on the same rows; after a passed
 * gate (and an approval, when the spec asks for one) it becomes the champion with compare-and-set.
 */
export async function gateAndPromote(
  stage: Stage,
  status: PromotionStatus,
  o: GateAndPromote,
): Promise<{ registered: RegisteredModel; gate: GateVerdict; promotion: PromotionOutcome }> {
  const { registry, evaluation } = stage.acts;
  const { name } = o.register;
  const workflowId = workflowInfo().workflowId;
  const { version } = await registry.registerVersion({
    tracking: stage.ctx,
    model: o.model,
    name,
    sourceRunId: o.sourceRunId,
    description: o.description,
    tags: o.tags,
    testSplit: o.test,
    testMetrics: o.testMetrics,
  });
  await registry.moveAlias({ name, alias: ALIASES.challenger, version, reason: `trained by ${workflowId}`, workflowId });
  Object.assign(status, { waitingFor: 'gate', challenger: version, champion: o.champion?.version ?? null });
  o.enter('gate');

  const champion = o.champion?.model ? { champion: { ...o.champion.model, version: o.champion.version } } : {};
  const gate = await evaluation.gateChallenger({
    tracking: stage.ctx,
    challenger: { ...o.model, version },
    ...champion,
    test: o.test,
    rowsFrom: o.rowsFrom,
    policy: o.register.gate,
    backend: o.backend,
    ...(o.drift ? { drift: o.drift } : {}),
  });
  status.gate = { passed: gate.passed, failed: gate.checks.filter((c) => !c.passed).map((c) => c.name) };
  const asChallenger = { name, version, alias: ALIASES.challenger };
  const refused = (reason: string, approver?: string) => {
    status.waitingFor = 'nothing';
    return { registered: asChallenger, gate, promotion: { promoted: false, reason, moves: [], ...(approver ? { approver } : {}) } };
  };
  if (!gate.passed) {
    return refused(
      `the gate refused v${version}: ${gate.checks
        .filter((c) => !c.passed)
        .map((c) => `${c.name} (${c.detail})`)
        .join('; ')}`,
    );
  }

  if (o.register.approval.required) {
    o.enter('waiting for approval');
    const decision = await awaitApproval(status, o.register.approval.timeout);
    await registry.recordDecision({
      name,
      version,
      decision: decision?.decision ?? 'timed out',
      approver: decision?.approver,
      comment: decision?.comment || undefined,
      workflowId,
    });
    if (!decision) return refused(`no approval within ${o.register.approval.timeout}: nothing was promoted`);
    if (decision.decision === 'rejected')
      return refused(`rejected by ${decision.approver}${decision.comment ? `: ${decision.comment}` : ''}`, decision.approver);
  }

  status.waitingFor = 'promotion';
  o.enter('promotion');
  const approver = status.decision?.approver;
  try {
    const moves = await registry.promote({
      name,
      version,
      alias: o.register.alias,
      expectedChampion: o.champion?.version ?? null,
      workflowId,
      reason: `passed the gate${o.champion ? ` against v${o.champion.version}` : ' (first champion)'}`,
      ...(approver ? { approver, comment: status.decision?.comment || undefined } : {}),
    });
    status.waitingFor = 'nothing';
    return {
      registered: { name, version, alias: o.register.alias },
      gate,
      promotion: { promoted: true, reason: `v${version} is ${o.register.alias}`, moves, ...(approver ? { approver } : {}) },
    };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure && cause.type === ErrorType.AliasMoved)) throw err;
    return refused(`promotion aborted: ${cause.message}`);
  }
}

async function awaitApproval(status: PromotionStatus, timeout: string): Promise<PromotionStatus['decision']> {
  const ms = durationMs(timeout);
  status.waitingFor = 'approval';
  status.deadline = new Date(Date.now() + ms).toISOString();
  await condition(() => status.decision !== undefined, ms);
  return status.decision;
}

function durationMs(duration: string): number {
  const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[duration.slice(-1)] ?? 1e3;
  return Number(duration.slice(0, -1)) * unit;
}

import { randomUUID } from 'node:crypto';
import { ServiceError, isGrpcServiceError, type Client, type WorkflowHandle } from '@temporalio/client';
import { CPU_TASK_QUEUE } from '@anneal/contracts';
import type { FineTuneResult, PretrainResult } from '@anneal/workflows';
import { progressDisplay, watchProgress } from './progress';
import { readSpecFile, type PipelineType } from './spec-file';

export type { PipelineType };

export interface StartedPipeline {
  type: PipelineType;
  workflowId: string;
  runId: string;
  handle: WorkflowHandle;
}

/** Reads a spec file, validates it with the workflow's own schema (so a bad spec fails here, listing every problem), and starts it. */
export async function startPipeline(client: Client, options: { specPath: string; type?: PipelineType; workflowId?: string }): Promise<StartedPipeline> {
  const { type, raw, spec } = await readSpecFile(options.specPath, options.type);
  const name = spec.name;
  const workflowId = options.workflowId ?? `${type}-${name}-${randomUUID().slice(0, 8)}`;
  // The raw spec goes in: the workflow parses it again with the same schema (defaults applied there).
  const handle = await client.workflow.start(type, { taskQueue: CPU_TASK_QUEUE, workflowId, args: [raw] });
  return { type, workflowId, runId: handle.firstExecutionRunId, handle };
}

export interface FollowOptions {
  interactive: boolean;
  /** Told when the server is lost and when it answers again; following goes on across a restart. */
  onServer?: (state: 'lost' | 'back', err?: Error) => void;
  /** Delay before the next try while the server is away (ms, doubled to 10 s). */
  retryDelayMs?: number;
  /** Stops the progress display (and gives the terminal its cursor back) when the user stops following. */
  signal?: AbortSignal;
}

export async function waitForPipeline(started: Pick<StartedPipeline, 'type' | 'handle'>, options: FollowOptions): Promise<FineTuneResult | PretrainResult> {
  const stop = started.type === 'fineTune' ? watchProgress(started.handle, progressDisplay({ interactive: options.interactive })) : () => {};
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    return await resultThroughRestarts<FineTuneResult | PretrainResult>(started.handle, options);
  } finally {
    stop();
  }
}

/**
 * The workflow's result, waiting out a Temporal server that is away (restarting, a network blip): the pipeline goes
 * on without us, so losing the server is no reason to stop following it. Anything else (the workflow failed, was
 * not found) is thrown.
 */
export async function resultThroughRestarts<T>(handle: { result(): Promise<unknown> }, options: Omit<FollowOptions, 'interactive'> = {}): Promise<T> {
  let delay = options.retryDelayMs ?? 1000;
  let lost = false;
  for (;;) {
    try {
      const result = (await handle.result()) as T;
      if (lost) options.onServer?.('back');
      return result;
    } catch (err) {
      if (!isServerAway(err)) throw err;
      if (!lost) options.onServer?.('lost', err as Error);
      lost = true;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

// gRPC status codes: the server did not answer (UNAVAILABLE) or not in time (DEADLINE_EXCEEDED).
const SERVER_AWAY_CODES = new Set([14, 4]);

export function isServerAway(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) && SERVER_AWAY_CODES.has(cause.code);
}

export function links(options: {
  mlflowUri: string;
  temporalUi: string;
  namespace: string;
  experimentId: string;
  runId: string;
  workflowId: string;
  workflowRunId: string;
}) {
  return {
    mlflow: `${options.mlflowUri}/#/experiments/${options.experimentId}/runs/${options.runId}`,
    temporal: `${options.temporalUi}/namespaces/${options.namespace}/workflows/${encodeURIComponent(options.workflowId)}/${options.workflowRunId}/history`,
  };
}

export function formatResult(result: FineTuneResult | PretrainResult): string {
  if (!('arms' in result)) {
    return (
      `pretrained ${result.registered.name} v${result.registered.version} @${result.registered.alias}: ` +
      `validation accuracy ${pct(result.validation.accuracy)}, test accuracy ${pct(result.test.accuracy)}, test macro-F1 ${result.test.macroF1.toFixed(3)}`
    );
  }
  if (result.skipped) return `nothing to train: ${result.skipped.reason} (content digest ${result.skipped.contentDigest.slice(0, 12)})`;
  const header = ['arm', 'strategy', 'lr', 'epochs', 'val acc', 'test acc', 'test F1', 'test AUC', ''];
  // The run's winner is the champion only when it was promoted; refused or awaiting, it is the challenger.
  const winner = result.promotion && !result.promotion.promoted ? 'challenger' : 'champion';
  const rows = result.arms.map((a) => [
    a.arm,
    a.hyperparameters.strategy,
    String(a.hyperparameters.learningRate),
    // A trial a study stopped at a rung (or early stopping ended) trained fewer epochs than its budget: say so.
    a.epochsRun !== undefined && a.epochsRun < a.hyperparameters.epochs ? `${a.epochsRun} of ${a.hyperparameters.epochs}` : String(a.hyperparameters.epochs),
    pct(a.validation.accuracy),
    pct(a.test.accuracy),
    a.test.macroF1.toFixed(3),
    a.test.rocAucMacro.toFixed(3),
    a.champion ? winner : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    result.probes.length > 0
      ? `selected base: ${result.selectedModel} (probes: ${result.probes.map((p) => `${p.label} ${pct(p.validationAccuracy)}`).join(', ')})`
      : `candidates: ${result.selectedModel}`,
    `${result.trials.length} tuning trials${result.failedTrials.length ? ` (${result.failedTrials.length} failed: ${result.failedTrials.map((f) => f.label).join(', ')})` : ''}; registered ${result.registered.name} v${result.registered.version} @${result.registered.alias}`,
    ...studyLine(result.decisions ?? []),
    ...gateLines(result),
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

/** The gate's verdict and what became of the challenger (`gate passed against v3 on 270 pinned rows: ...`). */
function gateLines(result: FineTuneResult): string[] {
  const { gate, promotion } = result;
  if (!gate || !promotion) return [];
  const against = gate.champion ? `against champion v${gate.champion.version}` : 'with no champion yet';
  const checks = gate.checks.map((c) => `  ${c.passed ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  const drift = gate.drift
    ? [
        `  drift against ${gate.drift.reference.replace(/^drift measured against /, '')}: largest feature PSI ${gate.drift.maxPsi.toFixed(3)}${gate.drift.worstFeature ? ` (${gate.drift.worstFeature})` : ''}, label shift ${gate.drift.labelShift.toFixed(3)}`,
      ]
    : [];
  return [
    `gate ${gate.passed ? 'passed' : 'failed'} ${against} on ${gate.rows} ${gate.rowsFrom === 'pinned' ? 'pinned' : ''} test rows`.replace('  ', ' '),
    ...checks,
    ...drift,
    `${promotion.promoted ? 'promoted' : 'not promoted'}: ${promotion.reason}`,
  ];
}

/** What a scheduled study did: rung runs by decision (`12 rung runs: 3 promoted, 8 not promoted, 1 completed`). */
function studyLine(decisions: FineTuneResult['decisions']): string[] {
  if (decisions.length === 0) return [];
  const counts = new Map<string, number>();
  for (const d of decisions) counts.set(d.decision, (counts.get(d.decision) ?? 0) + 1);
  const epochs = decisions.reduce(
    (n, d, i) =>
      n +
      d.epochs -
      (decisions
        .slice(0, i)
        .reverse()
        .find((e) => e.trial === d.trial)?.epochs ?? 0),
    0,
  );
  return [`study: ${decisions.length} rung runs, ${epochs} epochs in all: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`];
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

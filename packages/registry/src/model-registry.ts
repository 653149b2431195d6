import { logAsModel } from './log-model';
import {
  ALIASES,
  ErrorType,
  InputError,
  MLFLOW_TAGS,
  MoveAliasInput,
  PromoteInput,
  RegisterVersionInput,
  type AliasDescription,
  type AliasMove,
  type In,
  type MoveReason,
  type RegisteredVersion,
} from '@anneal/contracts';
import type { MlflowClient } from '@anneal/tracking';
import { findMove, recordMove } from './audit-trail';
import { describeVersion, versionTags } from './version-tags';

/**
 * Versions and aliases of the MLflow Model Registry, the one place Anneal reads and moves them. MLflow has no
 * conditional alias update, so compare-and-set is read, compare, write: it guards against a move made between a
 * workflow's read (the gate) and its write (the promotion), which is minutes or days; two writers in the same
 * millisecond are not told apart.
 */
export class ModelRegistry {
  constructor(private readonly mlflow: MlflowClient) {}

  /** What `name@alias` points at, or undefined when the model or the alias does not exist. */
  async describeAlias(name: string, alias: string): Promise<AliasDescription | undefined> {
    const version = await this.mlflow.getModelVersionByAlias(name, alias);
    return version ? describeVersion(version, alias) : undefined;
  }

  /** A new version of `name` (no alias). A retry after the version was made finds it by run and digest. */
  async registerVersion(raw: In<typeof RegisterVersionInput>): Promise<RegisteredVersion> {
    const input = RegisterVersionInput.parse(raw);
    await this.mlflow.createRegisteredModel(input.name);
    const tags = versionTags(input);
    const existing = (await this.mlflow.searchModelVersions(`name = '${input.name}' and run_id = '${input.sourceRunId}'`)).find((v) =>
      v.tags.some((t) => t.key === MLFLOW_TAGS.modelDigest && t.value === input.model.digest),
    );
    if (existing) return { name: input.name, version: existing.version };
    const logged = await logAsModel(this.mlflow, input);
    const version = await this.mlflow.createModelVersion({
      name: input.name,
      source: `models:/${logged.model_id}`,
      modelId: logged.model_id,
      runId: input.sourceRunId,
      description: input.description,
      tags,
    });
    return { name: input.name, version: version.version };
  }

  /**
   * Points `alias` at `version`, with compare-and-set when `expected` is given, and records the move (a tag on the
   * version and a run in the `anneal-registry` experiment). Idempotent for a workflow: a retry of a move that was
   * made finds its record instead of failing the compare.
   */
  async moveAlias(raw: In<typeof MoveAliasInput>): Promise<AliasMove> {
    const input = MoveAliasInput.parse(raw);
    const current = (await this.mlflow.getModelVersionByAlias(input.name, input.alias))?.version ?? null;
    const key = input.workflowId ? `${input.workflowId}:${input.name}@${input.alias}:${input.version}` : undefined;
    if (current === input.version) {
      const done = key ? await findMove(this.mlflow, key) : undefined;
      if (done) return done;
    } else if (input.expected !== undefined && current !== input.expected) {
      throw aliasMoved({ name: input.name, alias: input.alias, expected: input.expected, found: current, reason: input.reason });
    }
    const from = current === input.version ? (input.expected ?? current) : current;
    if (current !== input.version) await this.mlflow.setAlias({ name: input.name, alias: input.alias, version: input.version });
    return recordMove(this.mlflow, { name: input.name, alias: input.alias, from, to: input.version, key, why: input });
  }

  /**
   * The challenger becomes the champion and the old champion `previous`, only if the champion is still the version
   * the gate compared against (`expectedChampion`); otherwise AliasMovedError and no alias moves.
   */
  async promote(raw: In<typeof PromoteInput>): Promise<AliasMove[]> {
    const input = PromoteInput.parse(raw);
    const why: MoveReason = { reason: input.reason, workflowId: input.workflowId, approver: input.approver, comment: input.comment };
    const current = (await this.mlflow.getModelVersionByAlias(input.name, input.alias))?.version ?? null;
    if (current !== input.version && current !== input.expectedChampion)
      throw aliasMoved({ name: input.name, alias: input.alias, expected: input.expectedChampion, found: current, reason: input.reason });
    const moves: AliasMove[] = [];
    // A retry after the champion moved finds `previous` already set (and its record) by the first attempt.
    if (input.expectedChampion !== null && current !== input.version) {
      moves.push(await this.moveAlias({ ...why, name: input.name, alias: ALIASES.previous, version: input.expectedChampion }));
    }
    moves.push(await this.moveAlias({ ...why, name: input.name, alias: input.alias, version: input.version, expected: input.expectedChampion }));
    return moves;
  }

  /** `champion` back to `previous`, and `previous` to the version it replaced (a second rollback undoes the first). */
  async rollback(options: { name: string; alias?: string; by: string; comment?: string }): Promise<AliasMove[]> {
    const alias = options.alias ?? ALIASES.champion;
    const [champion, previous] = await Promise.all([this.describeAlias(options.name, alias), this.describeAlias(options.name, ALIASES.previous)]);
    if (!champion) throw new InputError(ErrorType.ModelNotFound, `${options.name}@${alias} does not exist: nothing to roll back`);
    if (!previous)
      throw new InputError(
        ErrorType.ModelNotFound,
        `${options.name}@${ALIASES.previous} does not exist: ${options.name} has not been promoted over an earlier champion`,
      );
    const why = {
      reason: `rollback of ${alias} from v${champion.version} to v${previous.version}`,
      approver: options.by,
      ...(options.comment ? { comment: options.comment } : {}),
    };
    const back = await this.moveAlias({ ...why, name: options.name, alias, version: previous.version, expected: champion.version });
    const swapped = await this.moveAlias({ ...why, name: options.name, alias: ALIASES.previous, version: champion.version, expected: previous.version });
    return [back, swapped];
  }
}

function aliasMoved(o: { name: string; alias: string; expected: string | null; found: string | null; reason: string }): InputError {
  const { reason, ...details } = o;
  return new InputError(
    ErrorType.AliasMoved,
    `${o.name}@${o.alias} moved since it was read: expected ${versionLabel(o.expected)}, found ${versionLabel(o.found)}; nothing was moved (${reason})`,
    details,
  );
}

function versionLabel(version: string | null): string {
  return version === null ? 'no version' : `v${version}`;
}

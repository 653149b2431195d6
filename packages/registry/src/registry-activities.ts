import {
  DecisionRecordInput,
  DescribeAliasInput,
  type PromoteInput,
  RegisterVersionInput,
  type MoveAliasInput,
  type AliasDescription,
  type AliasMove,
  type In,
  type RegisteredVersion,
} from '@anneal/contracts';
import { activityPlugin, withActivityRun, type MlflowClient } from '@anneal/tracking';
import { recordDecision } from './audit-trail';
import { ModelRegistry } from './model-registry';

export interface RegistryDeps {
  mlflow: MlflowClient;
}

/** The registry as activities, for workflows: look up, register, move with compare-and-set, promote. */
export function createRegistryActivities(deps: RegistryDeps) {
  const registry = new ModelRegistry(deps.mlflow);
  return {
    /** What an alias points at; null when nothing does (payloads cannot carry undefined). */
    async describeAlias(raw: In<typeof DescribeAliasInput>): Promise<AliasDescription | null> {
      const input = DescribeAliasInput.parse(raw);
      return (await registry.describeAlias(input.name, input.alias)) ?? null;
    },

    async registerVersion(raw: In<typeof RegisterVersionInput>): Promise<RegisteredVersion> {
      const input = RegisterVersionInput.parse(raw);
      return withActivityRun(
        deps.mlflow,
        { tracking: input.tracking, runName: `register ${input.name}`, params: { 'model.digest': input.model.digest } },
        async (run) => {
          const registered = await registry.registerVersion(input);
          await deps.mlflow.logBatch(run.runId, { tags: [{ key: 'anneal.registered', value: `${registered.name}/${registered.version}` }] });
          return registered;
        },
      );
    },

    async moveAlias(raw: In<typeof MoveAliasInput>): Promise<AliasMove> {
      return registry.moveAlias(raw);
    },

    async promote(raw: In<typeof PromoteInput>): Promise<AliasMove[]> {
      return registry.promote(raw);
    },

    /** Who approved or rejected a challenger (or that nobody did in time), in the audit trail. */
    async recordDecision(raw: In<typeof DecisionRecordInput>): Promise<string> {
      return recordDecision(deps.mlflow, DecisionRecordInput.parse(raw));
    },
  };
}

export type RegistryActivities = ReturnType<typeof createRegistryActivities>;

export function registryPlugin(deps: RegistryDeps) {
  return activityPlugin('anneal.registry', createRegistryActivities(deps));
}

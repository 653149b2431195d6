import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, type ModelRef, type RegistryModelSource } from '@anneal/contracts';
import type { MlflowClient } from '@anneal/tracking';
import type { z } from 'zod';
import type { ModelSource } from './model-source';

/** Tag on a registered version that holds its artifact reference (digest and shapes), so any worker can load it. */
export const MODEL_REF_TAG = 'anneal.modelRef';

/** A version Anneal registered (its own pretrain or fineTune), found by alias. */
export const registrySource: ModelSource<z.output<typeof RegistryModelSource>> = {
  label: (c) => `${c.name}@${c.alias}`,
  pretrained: true,
  async load(c, ctx) {
    return { stored: await resolveRegisteredModel(ctx.mlflow, c) };
  },
};

/** The model version an alias points at, as a ModelRef. */
export async function resolveRegisteredModel(mlflow: MlflowClient, options: { name: string; alias: string }): Promise<ModelRef> {
  const version = await mlflow.getModelVersionByAlias(options.name, options.alias);
  if (!version) {
    throw ApplicationFailure.nonRetryable(
      `registered model ${options.name} has no version with alias "${options.alias}" (run the pretrain workflow first: npx anneal start examples/pretrain-digits-0-4.json)`,
      ErrorType.ModelNotFound,
    );
  }
  const ref = registeredRef(version);
  if (!ref) throw ApplicationFailure.nonRetryable(`model ${options.name} v${version.version} was not registered by Anneal (no ${MODEL_REF_TAG} tag); use an mlflow source (models:/${options.name}@${options.alias}) for a model folder`, ErrorType.ModelIncompatible);
  return ref;
}

/** The artifact reference an Anneal-registered version carries, or undefined for a version registered elsewhere. */
export function registeredRef(version: { version: string; tags: { key: string; value: string }[] }): ModelRef | undefined {
  const tag = version.tags.find((t) => t.key === MODEL_REF_TAG);
  return tag ? { ...(JSON.parse(tag.value) as ModelRef), version: version.version } : undefined;
}

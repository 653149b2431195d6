import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, MLFLOW_TAGS, type ModelRef, type RegistryModelSource } from '@anneal/contracts';
import { ModelRegistry } from '@anneal/registry';
import type { MlflowClient } from '@anneal/tracking';
import type { z } from 'zod';
import type { ModelSource } from './model-source';

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
  const described = await new ModelRegistry(mlflow).describeAlias(options.name, options.alias);
  if (!described) {
    throw ApplicationFailure.nonRetryable(
      `registered model ${options.name} has no version with alias "${options.alias}" (run the pretrain workflow first: npx anneal start examples/pretrain-digits-0-4.json)`,
      ErrorType.ModelNotFound,
    );
  }
  if (!described.model)
    throw ApplicationFailure.nonRetryable(
      `model ${options.name} v${described.version} was not registered by Anneal (no ${MLFLOW_TAGS.modelRef} tag); use an mlflow source (models:/${options.name}@${options.alias}) for a model folder`,
      ErrorType.ModelIncompatible,
    );
  return described.model;
}

import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, PrepareCandidateInput, type Architecture, type BackendName, type In, type ModelRef, type PreparedCandidate } from '@anneal/contracts';
import { activityPlugin, withActivityRun, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { buildClassifier } from './build-classifier';
import { storeModel } from './model-io';
import { resolveBackend } from './tf-backend';

export interface ModelDeps {
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  backend: BackendName;
}

/** Tag on a registered version that holds its artifact reference (digest and shapes), so any worker can load it. */
export const MODEL_REF_TAG = 'anneal.modelRef';

export function createModelActivities(deps: ModelDeps) {
  const { mlflow, artifacts } = deps;
  return {
    /** Turns a candidate of the spec into a stored model: a registry version as it is, or a freshly initialised net. */
    async prepareCandidate(raw: In<typeof PrepareCandidateInput>): Promise<PreparedCandidate> {
      const input = PrepareCandidateInput.parse(raw);
      const { candidate } = input;
      const label = candidate.kind === 'registry' ? `${candidate.name}@${candidate.alias}` : `scratch-${describeArchitecture(candidate.architecture)}`;
      return withActivityRun(mlflow, { tracking: input.tracking, runName: `prepare ${label}`, params: { candidate: label } }, async (run) => {
        if (candidate.kind === 'registry') {
          const model = await resolveRegisteredModel(mlflow, candidate);
          if (model.inputShape.join('x') !== input.inputShape.join('x')) {
            throw ApplicationFailure.nonRetryable(
              `model ${label} takes input of shape [${model.inputShape.join(', ')}], the dataset has [${input.inputShape.join(', ')}]`,
              ErrorType.ModelIncompatible,
            );
          }
          await mlflow.logBatch(run.runId, { params: [{ key: 'model.version', value: model.version ?? '' }, { key: 'model.digest', value: model.digest }].filter((p) => !run.existingParams.has(p.key)) });
          return { model, label, pretrained: true, runId: run.runId };
        }
        await resolveBackend(deps.backend);
        const net = buildClassifier({ inputShape: input.inputShape, architecture: candidate.architecture, numClasses: input.numClasses, seed: 7 });
        try {
          const model = await storeModel(artifacts, { uri: `${run.artifactUri}/model`, model: net, name: label, baseLayers: net.layers.length - 1 });
          return { model, label, pretrained: false, runId: run.runId };
        } finally {
          net.dispose();
        }
      });
    },
  };
}

/** The model version an alias points at, as a ModelRef. */
export async function resolveRegisteredModel(mlflow: MlflowClient, options: { name: string; alias: string }): Promise<ModelRef> {
  const version = await mlflow.getModelVersionByAlias(options.name, options.alias);
  if (!version) {
    throw ApplicationFailure.nonRetryable(
      `registered model ${options.name} has no version with alias "${options.alias}" (run the pretrain workflow first: npx anneal start examples/pretrain-digits-0-4.json)`,
      ErrorType.ModelNotFound,
    );
  }
  const tag = version.tags.find((t) => t.key === MODEL_REF_TAG);
  if (!tag) throw ApplicationFailure.nonRetryable(`model ${options.name} v${version.version} was not registered by Anneal (no ${MODEL_REF_TAG} tag)`, ErrorType.ModelIncompatible);
  return { ...(JSON.parse(tag.value) as ModelRef), version: version.version };
}

function describeArchitecture(a: Architecture): string {
  return a.kind === 'mlp' ? `mlp-${a.hiddenUnits.join('x')}` : `cnn-${a.filters.join('x')}-${a.denseUnits}`;
}

export type ModelActivities = ReturnType<typeof createModelActivities>;

export function modelsPlugin(deps: ModelDeps) {
  return activityPlugin('anneal.models', createModelActivities(deps));
}

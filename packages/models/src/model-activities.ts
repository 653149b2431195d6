import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorType,
  InputContract,
  InputError,
  PrepareCandidateInput,
  type BackendName,
  type In,
  type ModelCandidate,
  type ModelRef,
  type PreparedCandidate,
} from '@anneal/contracts';
import { activityPlugin, withActivityRun, type ActivityRun, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { chooseCut } from './base-cut';
import { adaptInput } from './input-contract';
import { reinitialize } from './reinitialize';
import { loadModel, storeModel } from './model-io';
import { modelSources, type ModelSource, type SourceContext, type SourcedModel } from './sources';
import { resolveBackend } from './tf-backend';

export interface ModelDeps {
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  backend: BackendName;
  /** Folders a `file` model source may read (ANNEAL_DATA_ROOTS). */
  dataRoots?: readonly string[];
  /** Where model downloads land. */
  downloadDir?: string;
}

export function createModelActivities(deps: ModelDeps) {
  const { mlflow, artifacts } = deps;
  return {
    /**
     * Turns a candidate of the spec into a stored model: a version Anneal registered as it is; a model from a file,
     * a URL or MLflow, imported once into the artifact store with its base/head cut; or a freshly initialised net.
     */
    async prepareCandidate(raw: In<typeof PrepareCandidateInput>): Promise<PreparedCandidate> {
      const input = PrepareCandidateInput.parse(raw);
      const { candidate } = input;
      const source = modelSources[candidate.kind] as ModelSource<ModelCandidate>;
      const fresh = 'weights' in candidate && candidate.weights === 'scratch';
      const label = `${source.label(candidate)}${fresh ? ' (scratch)' : ''}`;
      return withActivityRun(
        mlflow,
        { tracking: input.tracking, runName: `prepare ${label}`, params: { candidate: label, 'candidate.kind': candidate.kind } },
        async (run) => {
          await resolveBackend(deps.backend);
          const ctx: SourceContext = {
            mlflow,
            artifacts,
            dataRoots: deps.dataRoots ?? [],
            downloadDir: deps.downloadDir ?? join(tmpdir(), 'anneal-downloads'),
            storeAt: run.artifactUri,
            task: { inputShape: input.inputShape, numClasses: input.numClasses, ...(input.scaling ? { scaling: input.scaling } : {}) },
          };
          const loaded = await source.load(candidate, ctx);
          const sourced = fresh && 'model' in loaded ? { model: await reinitialize(loaded.model, 7).finally(() => loaded.model.dispose()) } : loaded;
          const cutAt = 'cutAt' in candidate ? candidate.cutAt : undefined;
          const task = { rows: input.inputShape, image: input.imageShape, contract: 'input' in candidate ? candidate.input : InputContract.parse({}) };
          const model =
            'stored' in sourced ? await recut(artifacts, sourced.stored, cutAt) : await importModel({ run, artifacts, label, sourced, cutAt, task });
          if (model.inputShape.join('x') !== input.inputShape.join('x')) {
            throw new InputError(
              ErrorType.ModelIncompatible,
              `model ${label} takes input of shape [${model.inputShape.join(', ')}], the dataset has [${input.inputShape.join(', ')}]`,
            );
          }
          const params = {
            'model.version': model.version ?? '',
            'model.digest': model.digest,
            'model.cut': model.cut ?? '',
            'model.input_contract': model.inputContract ?? 'as is',
            ...('params' in loaded ? loaded.params : {}),
          };
          await mlflow.logBatch(run.runId, {
            params: Object.entries(params)
              .filter(([k]) => !run.existingParams.has(k))
              .map(([key, value]) => ({ key, value })),
          });
          return { model, label, pretrained: source.pretrained && !fresh, runId: run.runId };
        },
      );
    },
  };
}

/**
 * Stores a model read from a source (or built from scratch) in the activity's run, with its cut, and with the input
 * layers its contract needs to take the task's rows.
 */
async function importModel(o: {
  run: ActivityRun;
  artifacts: ArtifactStore;
  label: string;
  sourced: Exclude<SourcedModel, { stored: ModelRef }>;
  cutAt: string | undefined;
  task: { rows: number[]; image: number[] | undefined; contract: InputContract };
}): Promise<ModelRef> {
  const { model } = o.sourced;
  let adapted: ReturnType<typeof adaptInput>;
  try {
    const cut = o.sourced.cut ?? chooseCut(model, o.cutAt);
    adapted = adaptInput(model, { cut, rows: o.task.rows, image: o.task.image, contract: o.task.contract });
    const stored = adapted?.model ?? model;
    const ref = await storeModel(o.artifacts, { uri: `${o.run.artifactUri}/model`, model: stored, name: o.label, baseLayers: stored.layers.length - 1 });
    return { ...ref, ...(cut ? { cut } : {}), ...(adapted ? { inputContract: adapted.contract } : {}) };
  } finally {
    // The adapted model shares the source model's layers: disposing it releases their weights.
    (adapted ?? { model }).model.dispose();
  }
}

/** A stored model with the spec's `cutAt`, checked against its layers (without one, as it is). */
async function recut(artifacts: ArtifactStore, ref: ModelRef, cutAt: string | undefined): Promise<ModelRef> {
  if (cutAt === undefined) return ref;
  const model = await loadModel(artifacts, ref);
  try {
    return { ...ref, cut: chooseCut(model, cutAt) };
  } finally {
    model.dispose();
  }
}

export type ModelActivities = ReturnType<typeof createModelActivities>;

export function modelsPlugin(deps: ModelDeps) {
  return activityPlugin('anneal.models', createModelActivities(deps));
}

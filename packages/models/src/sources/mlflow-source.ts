import { ErrorType, InputError, parseModelsUri, type MlflowModelSource } from '@anneal/contracts';
import { findModelVersion, registeredRef } from '@anneal/registry';
import { MlflowError, type MlflowClient } from '@anneal/tracking';
import type { z } from 'zod';
import type { ModelSource, SourcedModel } from './model-source';
import { readLayersModel, sourceError } from './read-layers-model';

/**
 * A model on the tracking server: a folder holding model.json in a run's artifacts, or a registered version (one
 * Anneal registered is taken from its artifact reference; another is read from the folder its `source` names).
 */
export const mlflowSource: ModelSource<z.output<typeof MlflowModelSource>> = {
  label: (c) => `mlflow:${c.uri.replace(/^(runs:\/[0-9a-f]{8})[0-9a-f]*/, '$1')}`,
  pretrained: true,
  async load(c, ctx): Promise<SourcedModel> {
    const registered = parseModelsUri(c.uri);
    let folder = c.uri;
    if (registered) {
      const found = await findModelVersion(ctx.mlflow, registered);
      if (!found) throw new InputError(ErrorType.ModelNotFound, `${c.uri}: no such registered model version`);
      const ref = registeredRef(found);
      if (ref) return { stored: ref };
      if (!found.source) throw sourceError(`${c.uri}: the version names no source folder`);
      folder = found.source;
    }
    const root = await artifactFolder(ctx.mlflow, folder);
    const read = async (rel: string) => {
      try {
        return await ctx.mlflow.downloadArtifact(`${root}/${rel}`);
      } catch (err) {
        if (err instanceof MlflowError && err.status === 404) throw sourceError(`${c.uri}: no ${rel} in ${root}`);
        throw err;
      }
    };
    return readLayersModel(read, c.uri);
  },
};

/** `runs:/<id>/<path>` as the `mlflow-artifacts:/` folder it names. */
async function artifactFolder(mlflow: MlflowClient, uri: string): Promise<string> {
  const runs = /^runs:\/([^/]+)\/(.+?)\/?$/.exec(uri);
  if (!runs) return uri.replace(/\/+$/, '');
  const run = await mlflow.getRun(runs[1] as string).catch((err: unknown) => {
    if (err instanceof MlflowError && (err.status === 404 || err.errorCode === 'RESOURCE_DOES_NOT_EXIST'))
      throw sourceError(`${uri}: no run ${runs[1]} on the tracking server`);
    throw err;
  });
  return `${run.info.artifact_uri}/${runs[2] as string}`;
}

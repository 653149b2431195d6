import { fileSource } from './file-source';
import { graphSource } from './graph-source';
import { kerasSource } from './keras-source';
import { mlflowSource } from './mlflow-source';
import type { ModelSources } from './model-source';
import { registrySource } from './registry-source';
import { scratchSource } from './scratch-source';
import { urlSource } from './url-source';
import { wordVectorsSource } from './word-vectors-source';

/** Every kind of model candidate, by its `kind`. */
export const modelSources: ModelSources = {
  registry: registrySource,
  scratch: scratchSource,
  file: fileSource,
  keras: kerasSource,
  url: urlSource,
  mlflow: mlflowSource,
  graph: graphSource,
  'word-vectors': wordVectorsSource,
};

export type { ModelSource, SourceContext, SourcedModel } from './model-source';
export { resolveRegisteredModel } from './registry-source';
export { readLayersModel } from './read-layers-model';
export type { ModelFileReader, ReadModel } from './read-layers-model';

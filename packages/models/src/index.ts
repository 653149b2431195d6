export { BASE_PREFIX, HEAD_NAME, TOP_PREFIX, buildClassifier } from './build-classifier';
export { chooseCut } from './base-cut';
export { deserializeModel, loadModel, serializeModel, storeModel } from './model-io';
export { resolveBackend } from './tf-backend';
export type { BackendInfo } from './tf-backend';
export { createModelActivities, modelsPlugin } from './model-activities';
export type { ModelActivities, ModelDeps } from './model-activities';
export { MODEL_REF_TAG, modelSources, readLayersModel, resolveRegisteredModel } from './sources';
export type { ModelFileReader, ModelSource, ReadModel, SourceContext, SourcedModel } from './sources';

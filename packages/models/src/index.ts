export { BASE_PREFIX, HEAD_NAME, TOP_PREFIX, buildClassifier } from './build-classifier';
export { deserializeModel, loadModel, serializeModel, storeModel } from './model-io';
export { resolveBackend } from './tf-backend';
export type { BackendInfo } from './tf-backend';
export { MODEL_REF_TAG, createModelActivities, modelsPlugin, resolveRegisteredModel } from './model-activities';
export type { ModelActivities, ModelDeps } from './model-activities';

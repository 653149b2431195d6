export { describeDevices, tensorflowDevices } from './devices';
export { GraphTrainer, type GraphTrainerOptions } from './graph-trainer';
export { GraphUnsupportedError } from './layer-ops';
export { graphUnsupported } from './train-graph';
export { unsupportedReason } from './layer-ops';
export { ADDON_PATH, floats, loadAddon, type TensorflowDevice } from './native';
export { cpuKernels, loadTensorflow } from './load-tensorflow';

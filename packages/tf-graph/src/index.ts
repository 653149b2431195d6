export { GraphTrainer, type GraphTrainerOptions } from './graph-trainer';
export { GraphUnsupportedError } from './layer-ops';
export { graphUnsupported } from './train-graph';
export { ADDON_PATH, floats, loadAddon } from './native';

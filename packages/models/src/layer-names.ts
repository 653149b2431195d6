/**
 * Layers named with this prefix are the reusable feature extractor, frozen by feature extraction. Layers between
 * them and the `head` (a CNN's `top_` dense layers) keep learning; the head is replaced for each task.
 */
export const BASE_PREFIX = 'base_';
export const TOP_PREFIX = 'top_';
export const HEAD_NAME = 'head';

export { bestBy, randomSearch } from './random-search';
export type { SearchSpace } from './random-search';

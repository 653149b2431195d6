export { bestBy, randomSearch } from './random-search';
export type { SearchSpace } from './random-search';
export { createSampler, gridSampler, randomSampler, tpeSampler, warmStarted } from './samplers';
export type { Sampler, SamplerName, SuggestOptions } from './samplers';
export { hyperparametersOf, searchesCandidates, strategiesFor } from './space';
export type { CandidateChoice, Observation, Suggestion } from './space';
export { scoreOf } from './objective';
export { Asha, MedianStopping, SuccessiveHalving, createScheduler, rungBudgets } from './schedulers';
export type { AshaOptions, Promotion, RungResult, Scheduler, SchedulerSpec, SchedulerState } from './schedulers';

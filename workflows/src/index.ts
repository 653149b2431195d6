export { dataArrivedSignal, fineTune, progressQuery } from './fine-tune';
export type { ArmResult, FineTuneProgress, FineTuneResult } from './fine-tune';
export { pretrain } from './pretrain';
export type { PretrainResult } from './pretrain';
export { trial } from './trial';
export type { TrialInput, TrialResult } from './trial';
export { approveUpdate, rejectUpdate, statusQuery } from './promotion';
export type { PromotionOutcome, PromotionStatus } from './promotion';

export { classificationLoss, countTrainable, disposeWithBase, withNewHead } from './apply-strategy';
export { fitClassifier } from './fit-classifier';
export type { EpochLogs, FitOptions, FitResult } from './fit-classifier';
export { toTensors } from './to-tensors';
export { createTrainActivities, HEARTBEAT_THROTTLE_MS, trainPlugin } from './train-activities';
export type { TrainActivities, TrainDeps } from './train-activities';
export { CheckpointRef, TrainingHeartbeat, loadCheckpoint, saveCheckpoint } from './checkpoint';
export type { BestSoFar, Checkpoint } from './checkpoint';
export { LearningRateSchedule } from './lr-schedule';

/** CPU work: ingest, validation, evaluation, tracking, workflows. */
export const CPU_TASK_QUEUE = 'anneal';
/** Training: served by GPU workers (one activity slot per GPU); the local worker serves it too. */
export const GPU_TASK_QUEUE = 'anneal-gpu';

import { ActivityCancellationType, proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import { GPU_TASK_QUEUE, nonRetryableErrorTypes } from '@anneal/contracts';
import type { DatasetActivities } from '@anneal/dataset';
import type { EvaluateActivities } from '@anneal/evaluate';
import type { ModelActivities } from '@anneal/models';
import type { TrackingActivities } from '@anneal/tracking';
import type { TrainActivities } from '@anneal/train';

const retry: RetryPolicy = { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes };

export const tracking = proxyActivities<TrackingActivities>({ startToCloseTimeout: '2m', retry });

export const data = proxyActivities<DatasetActivities>({ startToCloseTimeout: '30m', heartbeatTimeout: '5m', retry });

export const models = proxyActivities<ModelActivities>({ startToCloseTimeout: '10m', retry });

export const evaluation = proxyActivities<EvaluateActivities>({ startToCloseTimeout: '30m', retry });

/**
 * Training runs on GPU workers. It heartbeats every batch, so a lost worker is noticed within the heartbeat timeout
 * and the retry resumes from the checkpoint named in the last heartbeat.
 */
export function trainingActivities(heartbeatTimeoutSeconds = 60) {
  return proxyActivities<TrainActivities>({
    taskQueue: GPU_TASK_QUEUE,
    startToCloseTimeout: '6h',
    heartbeatTimeout: `${heartbeatTimeoutSeconds}s`,
    // A cancelled trial waits until training has stopped and marked its MLflow run KILLED.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...retry, maximumAttempts: 3 },
  });
}

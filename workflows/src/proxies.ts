import {
  ActivityCancellationType,
  proxyActivities as plainProxyActivities,
  type ActivityInterfaceFor,
  type ActivityOptions,
  type ActivityProxyOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import { Durability, GPU_TASK_QUEUE, nonRetryableErrorTypes } from '@anneal/contracts';
import { activitySummary } from './activity-summary';
import type { DatasetActivities } from '@anneal/dataset';
import type { EvaluateActivities, PredictActivities } from '@anneal/evaluate';
import type { ModelActivities } from '@anneal/models';
import type { RegistryActivities } from '@anneal/registry';
import type { TrackingActivities } from '@anneal/tracking';
import type { TrainActivities } from '@anneal/train';

const TRAINING_ATTEMPT = 6 * 3600;

/** `proxyActivities` whose every call carries a summary of what it is about (the Temporal UI's timeline shows it). */
function proxyActivities<A>(options: ActivityProxyOptions<A>): ActivityInterfaceFor<A> {
  const plain = plainProxyActivities<A>(options);
  return new Proxy(plain, {
    get(target, activityType) {
      const activity: unknown = Reflect.get(target, activityType);
      if (typeof activityType !== 'string') return activity;
      const { executeWithOptions } = activity as { executeWithOptions: (options: ActivityOptions, args: unknown[]) => Promise<unknown> };
      return (...args: unknown[]) => executeWithOptions({ summary: activitySummary(activityType, args[0]) }, args);
    },
  });
}

/**
 * The activities of one pipeline, with timeouts and retries from its `durability` block. Retries are bounded by
 * time, not by a count: an infrastructure fault (MLflow or a data server down, a lost worker, a Temporal restart) is
 * retried with capped exponential backoff for as long as the budget allows, so a 30-second outage costs 30 seconds,
 * not the pipeline. Bad input fails at once: the activity boundary marks it non-retryable, and the policy lists the
 * same types as a second guard.
 */
export function activitiesFor(durability: Durability = Durability.parse({})) {
  const retry: RetryPolicy = {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: durability.maxRetryIntervalSeconds * 1000,
    nonRetryableErrorTypes,
  };
  const budget = durability.retryBudgetSeconds * 1000;
  // Heartbeated (the worker's activity boundary keeps every activity alive while it runs): a dead worker or a
  // completion lost in a server restart is noticed within the heartbeat timeout, not at start-to-close.
  const watched = (startToCloseTimeout: ActivityOptions['startToCloseTimeout']): ActivityOptions => ({
    startToCloseTimeout,
    heartbeatTimeout: durability.heartbeatTimeoutSeconds * 1000,
    scheduleToCloseTimeout: budget,
    retry,
  });
  return {
    // A handful of MLflow calls: a short start-to-close is the watch.
    tracking: proxyActivities<TrackingActivities>({ startToCloseTimeout: '1m', scheduleToCloseTimeout: budget, retry }),
    data: proxyActivities<DatasetActivities>(watched('30m')),
    models: proxyActivities<ModelActivities>(watched('10m')),
    evaluation: proxyActivities<EvaluateActivities>(watched('30m')),
    registry: proxyActivities<RegistryActivities>(watched('5m')),
    prediction: proxyActivities<PredictActivities>(watched('30m')),
    /**
     * Training runs on GPU workers. It heartbeats every batch, so a lost worker is noticed within the heartbeat
     * timeout and the retry resumes from the checkpoint named in the last heartbeat.
     */
    training: (heartbeatTimeoutSeconds = 60) =>
      proxyActivities<TrainActivities>({
        taskQueue: GPU_TASK_QUEUE,
        startToCloseTimeout: TRAINING_ATTEMPT * 1000,
        heartbeatTimeout: heartbeatTimeoutSeconds * 1000,
        scheduleToCloseTimeout: (durability.retryBudgetSeconds + TRAINING_ATTEMPT) * 1000,
        // A cancelled trial waits until training has stopped and marked its MLflow run KILLED.
        cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        retry,
      }),
  };
}

export type Activities = ReturnType<typeof activitiesFor>;

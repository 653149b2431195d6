/** Tag keys every Anneal run carries, so a run in MLflow leads back to its Temporal execution. */
export const MLFLOW_TAGS = {
  parentRunId: 'mlflow.parentRunId',
  runName: 'mlflow.runName',
  workflowId: 'temporal.workflowId',
  runId: 'temporal.runId',
  activityId: 'temporal.activityId',
  activityType: 'temporal.activityType',
  attempt: 'temporal.attempt',
  /** Stable across retries of one activity: how a retried activity finds the run it already opened. */
  idempotencyKey: 'anneal.key',
  /** On ingest runs and registered versions: the order-independent digest of the dataset's rows. */
  datasetContentDigest: 'anneal.dataset.contentDigest',
  /** On registered versions: the dataset (URI + digest, as JSON) the model was fine-tuned from. */
  datasetRef: 'anneal.dataset.ref',
  /** On activity runs: the Temporal identity (`pid@host`) and the host of the worker that ran the latest attempt. */
  workerIdentity: 'anneal.worker.identity',
  workerHost: 'anneal.worker.host',
  /** On registered versions: the model's artifact reference (ModelRef as JSON), so any worker can load it. */
  modelRef: 'anneal.modelRef',
  /** On registered versions: the model's content digest (how a retried registration finds its version). */
  modelDigest: 'anneal.digest',
  /** On registered versions: the test split (DatasetRef as JSON) and the test figures (JSON) it was scored with. */
  testSplit: 'anneal.test.split',
  testMetrics: 'anneal.test.metrics',
  /** On a failed trial's run: why it failed. */
  error: 'anneal.error',
} as const;

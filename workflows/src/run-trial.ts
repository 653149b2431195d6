import { executeChild, ParentClosePolicy } from '@temporalio/workflow';
import { trial, type TrialInput, type TrialResult } from './trial';

/**
 * A trial as a child workflow. Should the parent end while it runs (terminated, timed out), the child is asked to
 * cancel rather than being terminated, so it stops training and closes its MLflow runs as KILLED.
 */
export function runTrial(workflowId: string, input: TrialInput): Promise<TrialResult> {
  return executeChild(trial, { workflowId, args: [input], parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL });
}

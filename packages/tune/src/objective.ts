import type { EvaluationMetrics, Objective } from '@anneal/contracts';

/** A trial's validation figures as one score where higher is better: the objective's metric, negated to minimize. */
export function scoreOf(objective: Objective, metrics: EvaluationMetrics): number {
  const value = metrics[objective.metric];
  return objective.direction === 'minimize' ? -value : value;
}

export { classificationReport, macroF1, rocAuc, rocAucMacro } from './classification-metrics';
export type { ClassificationReport } from './classification-metrics';
export { createEvaluateActivities, evaluatePlugin } from './evaluate-activities';
export type { EvaluateActivities, EvaluateDeps } from './evaluate-activities';
export { decideGate } from './gate/gate-decision';
export type { GateFacts } from './gate/gate-decision';
export { discordantPairs, mcnemarExact } from './gate/mcnemar';

export { classificationReport, macroF1, rocAuc, rocAucMacro } from './classification-metrics';
export type { ClassificationReport } from './classification-metrics';
export { createEvaluateActivities, evaluatePlugin } from './evaluate-activities';
export type { EvaluateActivities, EvaluateDeps } from './evaluate-activities';

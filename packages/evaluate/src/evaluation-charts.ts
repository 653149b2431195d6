import { confusionSpec, curvesSpec, renderChart, type Chart } from './charts';
import { area, averagePrecision, classCurves } from './curves';

/**
 * The pictures of one evaluation: the confusion matrix (counts and shares), and each class's ROC and
 * precision-recall curve against the rest (classes with no rows, or all of them, have none).
 */
export async function evaluationCharts(o: {
  probs: Float32Array;
  labels: readonly number[];
  classes: readonly string[];
  confusion: number[][];
}): Promise<{ name: string; chart: Chart }[]> {
  const k = o.classes.length;
  const curves = o.classes.flatMap((label, c) => {
    const found = classCurves(
      o.labels.map((_, r) => o.probs[r * k + c] as number),
      o.labels.map((l) => l === c),
    );
    return found ? [{ label, curves: found, roc: area(found.roc), ap: averagePrecision(found.pr) }] : [];
  });
  const charts = [{ name: 'confusion_matrix', chart: await renderChart(confusionSpec(o.confusion, o.classes)) }];
  if (curves.length === 0) return charts;
  charts.push({
    name: 'roc_curves',
    chart: await renderChart(
      curvesSpec(
        curves.map((c) => ({ label: c.label, curves: c.curves, area: c.roc })),
        'roc',
      ),
    ),
  });
  charts.push({
    name: 'pr_curves',
    chart: await renderChart(
      curvesSpec(
        curves.map((c) => ({ label: c.label, curves: c.curves, area: c.ap })),
        'pr',
      ),
    ),
  });
  return charts;
}

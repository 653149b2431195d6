/** A point of a one-vs-rest curve: ROC (fpr, tpr) or precision-recall (recall, precision). */
export interface CurvePoint {
  x: number;
  y: number;
}

export interface ClassCurves {
  roc: CurvePoint[];
  pr: CurvePoint[];
}

/** At most this many points a curve: enough for the picture, small enough for an artifact. */
const MAX_POINTS = 200;

/**
 * One class's ROC and precision-recall curves against the rest, from the scores sorted high to low: a point at every
 * distinct score (ties move together), thinned to MAX_POINTS. Undefined when the class or the rest has no rows.
 */
export function classCurves(scores: readonly number[], positive: readonly boolean[]): ClassCurves | undefined {
  const order = scores.map((s, i) => ({ s, p: positive[i] as boolean })).sort((a, b) => b.s - a.s);
  const nPos = order.filter((o) => o.p).length;
  const nNeg = order.length - nPos;
  if (nPos === 0 || nNeg === 0) return undefined;
  const roc: CurvePoint[] = [{ x: 0, y: 0 }];
  const pr: CurvePoint[] = [{ x: 0, y: 1 }];
  let [tp, fp] = [0, 0];
  for (let i = 0; i < order.length;) {
    let j = i;
    for (; j < order.length && order[j]?.s === order[i]?.s; j++) {
      if (order[j]?.p) tp++;
      else fp++;
    }
    roc.push({ x: fp / nNeg, y: tp / nPos });
    pr.push({ x: tp / nPos, y: tp / (tp + fp) });
    i = j;
  }
  return { roc: thin(roc), pr: thin(pr) };
}

/** The area under a curve by the trapezoid rule (for ROC: the same as the rank-sum AUC). */
export function area(points: readonly CurvePoint[]): number {
  let sum = 0;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1] as CurvePoint, points[i] as CurvePoint];
    sum += ((b.x - a.x) * (a.y + b.y)) / 2;
  }
  return sum;
}

/** Average precision: precision at each recall step, weighted by the step (scikit-learn's definition). */
export function averagePrecision(pr: readonly CurvePoint[]): number {
  let sum = 0;
  for (let i = 1; i < pr.length; i++) sum += ((pr[i] as CurvePoint).x - (pr[i - 1] as CurvePoint).x) * (pr[i] as CurvePoint).y;
  return sum;
}

function thin(points: CurvePoint[]): CurvePoint[] {
  if (points.length <= MAX_POINTS) return points;
  const step = (points.length - 1) / (MAX_POINTS - 1);
  return Array.from({ length: MAX_POINTS }, (_, i) => points[Math.round(i * step)] as CurvePoint);
}

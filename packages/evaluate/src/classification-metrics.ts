/** Metrics of a multi-class classifier from its predicted probabilities (row-major [rows, classes]). */
export interface ClassificationReport {
  accuracy: number;
  macroF1: number;
  /** One-vs-rest ROC-AUC averaged over the classes that have both positives and negatives. */
  rocAucMacro: number;
  /** Mean categorical cross-entropy. */
  loss: number;
  /** confusion[actual][predicted] */
  confusion: number[][];
}

/** The headline figures of a report, as evaluations and the gate return them. */
export function headlineMetrics(report: ClassificationReport): { accuracy: number; macroF1: number; rocAucMacro: number; loss: number } {
  return { accuracy: report.accuracy, macroF1: report.macroF1, rocAucMacro: report.rocAucMacro, loss: report.loss };
}

export function classificationReport(probs: Float32Array, labels: readonly number[], numClasses: number): ClassificationReport {
  const rows = labels.length;
  if (probs.length !== rows * numClasses) throw new Error(`expected ${rows * numClasses} probabilities, got ${probs.length}`);
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let correct = 0;
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const row = probs.subarray(r * numClasses, (r + 1) * numClasses);
    const predicted = argmax(row);
    const actual = labels[r] as number;
    const counts = confusion[actual] as number[];
    counts[predicted] = (counts[predicted] ?? 0) + 1;
    if (predicted === actual) correct++;
    loss -= Math.log(Math.max(row[actual] ?? 0, 1e-7));
  }
  return {
    accuracy: rows === 0 ? 0 : correct / rows,
    macroF1: macroF1(confusion),
    rocAucMacro: rocAucMacro(probs, labels, numClasses),
    loss: rows === 0 ? 0 : loss / rows,
    confusion,
  };
}

/** Index of the largest value (the first of equals). */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

export function macroF1(confusion: number[][]): number {
  const n = confusion.length;
  let sum = 0;
  for (let c = 0; c < n; c++) {
    const tp = confusion[c]?.[c] ?? 0;
    const fn = (confusion[c] ?? []).reduce((a, b) => a + b, 0) - tp;
    const fp = confusion.reduce((a, row) => a + (row[c] ?? 0), 0) - tp;
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return n === 0 ? 0 : sum / n;
}

/** Area under the ROC curve by the rank-sum (Mann-Whitney U) formula, ties counted half. */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number {
  const order = scores.map((s, i) => ({ s, p: positive[i] as boolean })).sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && order[j]?.s === order[i]?.s) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++)
      if (order[k]?.p) {
        rankSumPos += avgRank;
        nPos++;
      }
    i = j;
  }
  const nNeg = order.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export function rocAucMacro(probs: Float32Array, labels: readonly number[], numClasses: number): number {
  const aucs: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const scores = labels.map((_, r) => probs[r * numClasses + c] as number);
    const auc = rocAuc(
      scores,
      labels.map((l) => l === c),
    );
    if (!Number.isNaN(auc)) aucs.push(auc);
  }
  return aucs.length === 0 ? NaN : aucs.reduce((a, b) => a + b, 0) / aucs.length;
}

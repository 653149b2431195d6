/**
 * Exact McNemar test of two classifiers on the same rows: of the rows they disagree on (one right, the other
 * wrong), `b` went to one and `c` to the other; under the null hypothesis each disagreement is a fair coin, so the
 * two-sided p-value is twice the binomial tail of min(b, c) in b + c trials at 1/2 (at most 1). Summed in log
 * space, so it holds for tens of thousands of disagreements.
 */
export function mcnemarExact(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new Error(`mcnemarExact: expected two counts, found ${b} and ${c}`);
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  const logHalfN = -n * Math.LN2;
  let logChoose = 0; // log C(n, 0)
  let tail = Math.exp(logHalfN);
  for (let i = 1; i <= k; i++) {
    logChoose += Math.log((n - i + 1) / i);
    tail += Math.exp(logChoose + logHalfN);
  }
  return Math.min(1, 2 * tail);
}

/** Rows only the challenger got right and rows only the champion got right. */
export function discordantPairs(challengerCorrect: readonly boolean[], championCorrect: readonly boolean[]): { challengerOnly: number; championOnly: number } {
  if (challengerCorrect.length !== championCorrect.length)
    throw new Error(`discordantPairs: ${challengerCorrect.length} rows against ${championCorrect.length}`);
  let challengerOnly = 0;
  let championOnly = 0;
  challengerCorrect.forEach((right, i) => {
    if (right && !championCorrect[i]) challengerOnly++;
    else if (!right && championCorrect[i]) championOnly++;
  });
  return { challengerOnly, championOnly };
}

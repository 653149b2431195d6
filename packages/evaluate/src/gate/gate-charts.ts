/**
 * Confusion matrices side by side (challenger, champion), as shares of each actual class so that the two read the
 * same at any row count; the counts are in the tooltip and in `gate/verdict.json`.
 */
export function gateConfusionSpec(panels: readonly { title: string; confusion: readonly number[][] }[], classes: readonly string[]): object {
  const values = panels.flatMap((p) =>
    p.confusion.flatMap((row, r) => {
      const total = row.reduce((a, b) => a + b, 0);
      return row.map((count, c) => ({
        model: p.title,
        actual: classes[r] ?? String(r),
        predicted: classes[c] ?? String(c),
        count,
        share: total === 0 ? 0 : count / total,
      }));
    }),
  );
  const side = Math.max(160, Math.min(420, 36 * classes.length));
  const order = [...classes];
  return {
    title: 'gate: the same rows, share of each actual class',
    data: { values },
    facet: { column: { field: 'model', type: 'nominal', title: null, sort: panels.map((p) => p.title) } },
    spec: {
      width: side,
      height: side,
      encoding: {
        x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted class' },
        y: { field: 'actual', type: 'nominal', sort: order, title: 'actual class' },
        tooltip: [
          { field: 'count', type: 'quantitative' },
          { field: 'share', type: 'quantitative', format: '.1%' },
        ],
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'share', type: 'quantitative', scale: { scheme: 'blues', domain: [0, 1] }, legend: null } } },
        {
          mark: { type: 'text', fontSize: 11 },
          encoding: {
            text: { field: 'share', type: 'quantitative', format: '.0%' },
            color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  };
}

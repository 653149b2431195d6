import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { ClassCurves } from './curves';

export interface Chart {
  /** The Vega-Lite spec, kept beside the pictures so anyone can restyle them. */
  spec: object;
  svg: string;
  png: Buffer;
}

/** A Vega-Lite spec rendered by Vega to SVG (no browser) and by resvg to PNG (at twice the size, for screens). */
export async function renderChart(spec: object): Promise<Chart> {
  const view = new vega.View(vega.parse(vl.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v5.json', ...spec } as vl.TopLevelSpec).spec), {
    renderer: 'none',
  });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, background: 'white', font: { loadSystemFonts: true } }).render().asPng();
    return { spec, svg, png };
  } finally {
    view.finalize();
  }
}

/** The confusion matrix twice, as counts and as each actual class's share: class names on both axes. */
export function confusionSpec(confusion: readonly number[][], classes: readonly string[]): object {
  const values = confusion.flatMap((row, r) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, c) => ({ actual: classes[r] ?? String(r), predicted: classes[c] ?? String(c), count, share: total === 0 ? 0 : count / total }));
  });
  const side = Math.max(160, Math.min(480, 36 * classes.length));
  const order = [...classes];
  const panel = (field: 'count' | 'share', title: string, format: string) => ({
    title,
    width: side,
    height: side,
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted class' },
      y: { field: 'actual', type: 'nominal', sort: order, title: 'actual class' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field, type: 'quantitative', scale: { scheme: 'blues' }, legend: null } } },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: { text: { field, type: 'quantitative', format }, color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' } },
      },
    ],
  });
  return {
    data: { values },
    hconcat: [panel('count', 'counts', 'd'), panel('share', 'share of each actual class', '.0%')],
    resolve: { scale: { color: 'independent' } },
  };
}

/** One-vs-rest curves of every class on one chart: ROC (with the chance diagonal) or precision-recall. */
export function curvesSpec(curves: readonly { label: string; curves: ClassCurves; area: number }[], kind: 'roc' | 'pr'): object {
  const values = curves.flatMap((c) =>
    c.curves[kind].map((p, i) => ({ class: `${c.label} (${kind === 'roc' ? 'AUC' : 'AP'} ${c.area.toFixed(3)})`, x: p.x, y: p.y, i })),
  );
  const axes = kind === 'roc' ? { x: 'false positive rate', y: 'true positive rate' } : { x: 'recall', y: 'precision' };
  const lines = {
    mark: { type: 'line', interpolate: kind === 'roc' ? 'linear' : 'step-after' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axes.x, scale: { domain: [0, 1] } },
      y: { field: 'y', type: 'quantitative', title: axes.y, scale: { domain: [0, 1] } },
      color: { field: 'class', type: 'nominal', title: 'class (one vs rest)' },
      order: { field: 'i' },
    },
  };
  const chance = {
    data: {
      values: [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ],
    },
    mark: { type: 'line', strokeDash: [4, 4], color: 'gray' },
    encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
  };
  return {
    title: kind === 'roc' ? 'ROC curves' : 'precision-recall curves',
    width: 320,
    height: 320,
    data: { values },
    layer: kind === 'roc' ? [lines, chance] : [lines],
  };
}

/** A chart as three artifacts beside each other: `<base>.svg`, `<base>.png` and its spec, `<base>.vl.json`. */
export async function uploadChart(mlflow: { uploadArtifact(uri: string, bytes: Uint8Array): Promise<void> }, base: string, chart: Chart): Promise<void> {
  await mlflow.uploadArtifact(`${base}.svg`, Buffer.from(chart.svg));
  await mlflow.uploadArtifact(`${base}.png`, chart.png);
  await mlflow.uploadArtifact(`${base}.vl.json`, Buffer.from(JSON.stringify(chart.spec)));
}

/** Loss and accuracy per epoch on the training and validation splits, one panel each: a trial's learning curves. */
export function learningCurvesSpec(history: readonly { metric: string; epoch: number; value: number }[], title: string): object {
  const split = (metric: string) => (metric.startsWith('val_') ? 'validation' : 'training');
  const values = history.map((h) => ({ ...h, split: split(h.metric), kind: h.metric.replace(/^val_/, '') }));
  const panel = (kind: 'loss' | 'accuracy') => ({
    width: 280,
    height: 200,
    title: kind,
    transform: [{ filter: { field: 'kind', equal: kind } }],
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: kind, scale: { zero: false } },
      color: { field: 'split', type: 'nominal', title: 'split' },
    },
  });
  return { title, data: { values }, hconcat: [panel('loss'), panel('accuracy')] };
}

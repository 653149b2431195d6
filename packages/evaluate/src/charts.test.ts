import { PNG } from 'pngjs';
import { rocAuc } from './classification-metrics';
import { area, averagePrecision, classCurves } from './curves';
import { evaluationCharts } from './evaluation-charts';
import { learningCurvesSpec, renderChart } from './charts';

const widthOf = (svg: string) => Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);

describe('curves', () => {
  it('ROC from (0,0) to (1,1), its area the rank-sum AUC; precision-recall ending at full recall', () => {
    const scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2];
    const positive = [false, false, true, true, false, true];
    const c = classCurves(scores, positive)!;
    expect(c.roc[0]).toEqual({ x: 0, y: 0 });
    expect(c.roc.at(-1)).toEqual({ x: 1, y: 1 });
    expect(area(c.roc)).toBeCloseTo(rocAuc(scores, positive), 10);
    expect(c.pr.at(-1)).toEqual({ x: 1, y: 0.5 });
    // Each recall step times the precision there: 1/3 * 1 + 1/3 * 2/4 + 1/3 * 3/5 (sklearn's average_precision_score: 0.7).
    expect(averagePrecision(c.pr)).toBeCloseTo(0.7, 10);
    expect(classCurves([0.2, 0.9], [true, true])).toBeUndefined();
  });
});

describe('evaluation charts', () => {
  it('the confusion matrix, ROC and precision-recall curves: class names and axis titles in the SVG, a PNG twice its size', async () => {
    const classes = ['cat', 'dog', 'bird'];
    const labels = [0, 0, 1, 1, 2, 2, 0, 1];
    const probs = Float32Array.from(labels.flatMap((l, i) => [0, 1, 2].map((c) => (c === l ? 0.6 : 0.2) + (i % 3 === c ? 0.1 : 0))));
    const charts = await evaluationCharts({
      probs,
      labels,
      classes,
      confusion: [
        [3, 0, 0],
        [1, 2, 0],
        [0, 0, 2],
      ],
    });
    expect(charts.map((c) => c.name)).toEqual(['confusion_matrix', 'roc_curves', 'pr_curves']);
    const [confusion, roc, pr] = charts.map((c) => c.chart);
    for (const text of ['cat', 'dog', 'bird', 'predicted class', 'actual class', 'counts', 'share of each actual class', '67%'])
      expect(confusion!.svg).toContain(text);
    for (const text of ['false positive rate', 'true positive rate', 'cat (AUC ']) expect(roc!.svg).toContain(text);
    for (const text of ['recall', 'precision', 'bird (AP ']) expect(pr!.svg).toContain(text);
    for (const chart of [confusion!, roc!, pr!]) {
      const png = PNG.sync.read(chart.png);
      expect(png.width).toBe(2 * widthOf(chart.svg));
      // Drawn, not blank: some pixels are far from white.
      let dark = 0;
      for (let i = 0; i < png.data.length; i += 4) if ((png.data[i] as number) < 128) dark++;
      expect(dark).toBeGreaterThan(100);
    }
  });
});

describe('learning curves', () => {
  it('loss and accuracy per epoch, training and validation, one line each', async () => {
    const history = [0, 1, 2].flatMap((epoch) => [
      { metric: 'loss', epoch, value: 1 - epoch / 4 },
      { metric: 'val_loss', epoch, value: 1.1 - epoch / 5 },
      { metric: 'accuracy', epoch, value: 0.5 + epoch / 10 },
      { metric: 'val_accuracy', epoch, value: 0.45 + epoch / 10 },
    ]);
    const { svg } = await renderChart(learningCurvesSpec(history, 'trial 3 full lr=0.001'));
    for (const text of ['trial 3 full lr=0.001', 'epoch', 'training', 'validation']) expect(svg).toContain(text);
    // Two panels, each with a line per split.
    expect(svg.match(/<g class="mark-line role-mark (concat_\d)_layer_0_marks"/g)?.map((m) => /concat_\d/.exec(m)?.[0])).toEqual([
      'concat_0',
      'concat_0',
      'concat_1',
      'concat_1',
    ]);
  });
});

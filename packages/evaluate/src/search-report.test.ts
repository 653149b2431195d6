import Papa from 'papaparse';
import { renderChart } from './charts';
import { objectiveSpec, trialsCsv } from './search-report';

const trials = [
  { label: 'trial 0 full lr=0.001', candidate: 'scratch', strategy: 'full', learningRate: 0.001, epochs: 4, epochsRun: 4, value: 0.8 },
  {
    label: 'trial 1 feature-extraction lr=0.01',
    candidate: 'pretrained',
    strategy: 'feature-extraction',
    learningRate: 0.01,
    epochs: 2,
    epochsRun: 2,
    value: 0.9,
  },
];

it('lists the trials best first, in CSV that a CSV reader reads back', () => {
  const rows = Papa.parse<Record<string, string>>(trialsCsv(trials, { metric: 'accuracy', direction: 'maximize' }), { header: true }).data;
  expect(rows.map((r) => r.trial)).toEqual(['trial 1 feature-extraction lr=0.01', 'trial 0 full lr=0.001']);
  expect(rows[0]).toMatchObject({ learning_rate: '0.01', validation_accuracy: '0.9', epochs_run: '2' });
  const byLoss = Papa.parse<Record<string, string>>(trialsCsv(trials, { metric: 'loss', direction: 'minimize' }), { header: true }).data;
  expect(byLoss[0]?.trial).toBe('trial 0 full lr=0.001');
});

it('plots the objective against each hyperparameter as SVG, from a Vega-Lite spec', async () => {
  const { spec, svg } = await renderChart(objectiveSpec(trials, { metric: 'accuracy' }));
  expect(svg.startsWith('<svg')).toBe(true);
  for (const text of ['learning rate', 'epochs (budget)', 'strategy', 'validation accuracy']) expect(svg).toContain(text);
  // Three panels, a point per trial in each.
  const panels = [...svg.matchAll(/<g class="mark-symbol role-mark concat_\d_marks"[^>]*>(.*?)<\/g>/g)].map((m) => (m[1]?.match(/<path/g) ?? []).length);
  expect(panels).toEqual([2, 2, 2]);
  expect(JSON.stringify(spec)).toContain('"type":"log"');
});

import type { FineTuneResult, TuneResult } from '@anneal/workflows';
import { formatResult } from './format-result';

const metrics = { accuracy: 0.9, macroF1: 0.88, rocAucMacro: 0.97, loss: 0.3 };
const hp = {
  learningRate: 0.003,
  epochs: 9,
  batchSize: 32,
  strategy: 'full' as const,
  patience: 3,
  minDelta: 0,
  lrSchedule: { kind: 'constant' as const },
  regularization: { headDropout: 0, l2: 0, labelSmoothing: 0 },
};
const row = { strategy: 'full', learningRate: 0.003, epochs: 9, validationAccuracy: 0.9, validation: metrics, runId: 'r' };

it('says what a scheduled study did: rung runs by decision and the epochs trained in all', () => {
  const result = {
    experimentId: '1',
    pipelineRunId: 'p',
    selectedModel: 'scratch',
    probes: [],
    failedTrials: [],
    trials: [0, 1, 2].map((i) => ({ ...row, label: `trial ${i}`, epochsRun: 1 })),
    arms: [{ arm: 'scratch full', trial: 'trial 1', hyperparameters: hp, validation: metrics, test: metrics, champion: true }],
    registered: { name: 'm', version: '1', alias: 'champion' },
    decisions: [
      { trial: 0, rung: 0, epochs: 1, score: 0.5, decision: 'not promoted' },
      { trial: 1, rung: 0, epochs: 1, score: 0.8, decision: 'promoted' },
      { trial: 2, rung: 0, epochs: 1, score: 0.6, decision: 'not promoted' },
      { trial: 1, rung: 1, epochs: 3, score: 0.9, decision: 'promoted', reached: 3 },
      // Early stopping ended it after 5 of its rung's 9 epochs: 2 trained, not 6.
      { trial: 1, rung: 2, epochs: 9, score: 0.9, decision: 'stopped early', reached: 5 },
    ],
  } as FineTuneResult;
  expect(formatResult(result).split('\n')[2]).toBe('study: 5 rung runs, 7 epochs in all: 2 not promoted, 2 promoted, 1 stopped early');
});

it('shows the gate and marks a refused winner as the challenger, not the champion', () => {
  const side = (version: string, accuracy: number) => ({ version, metrics: { ...metrics, accuracy }, recall: [0.9, 0.9] });
  const result = {
    experimentId: '1',
    pipelineRunId: 'p',
    selectedModel: 'scratch',
    probes: [],
    failedTrials: [],
    decisions: [],
    trials: [{ ...row, label: 'trial 0', epochsRun: 9 }],
    arms: [{ arm: 'scratch full', trial: 'trial 0', hyperparameters: hp, epochsRun: 3, validation: metrics, test: metrics, champion: true }],
    registered: { name: 'm', version: '2', alias: 'challenger' },
    gate: {
      passed: false,
      classes: ['a', 'b'],
      rows: 600,
      rowsFrom: 'pinned',
      challenger: side('2', 0.93),
      champion: side('1', 0.94),
      checks: [
        { name: 'improvement accuracy', passed: false, detail: '-0.0100' },
        { name: 'per-class recall', passed: true, detail: 'no drop' },
      ],
      drift: { reference: 'drift measured against the data m@champion (version 1) was trained on', maxPsi: 0.0123, worstFeature: 'f3', labelShift: 0 },
    },
    promotion: { promoted: false, reason: 'the gate refused v2: improvement accuracy (-0.0100)', moves: [] },
  } as FineTuneResult;
  const lines = formatResult(result).split('\n');
  expect(lines.slice(1, 7)).toEqual([
    '1 tuning trials; registered m v2 @challenger',
    'gate failed against champion v1 on 600 pinned test rows',
    '  FAIL improvement accuracy: -0.0100',
    '  ok   per-class recall: no drop',
    '  drift against the data m@champion (version 1) was trained on: largest feature PSI 0.012 (f3), label shift 0.000',
    'not promoted: the gate refused v2: improvement accuracy (-0.0100)',
  ]);
  expect(lines.at(-1)).toMatch(/ challenger$/);
  // It trained 3 of its 9 epochs (a study stopped it at a rung), and the table says so.
  expect(lines.at(-1)).toContain(' 3 of 9 ');
});

it('a study on its own (tune): the arms by validation, the best marked, and that nothing was tested or registered', () => {
  const model = { uri: 'mlflow-artifacts:/m', digest: 'a'.repeat(64), name: 'm', inputShape: [4], baseLayers: 1 };
  const arm = (name: string, accuracy: number, best: boolean) => ({
    arm: name,
    trial: `trial of ${name}`,
    candidate: 0,
    hyperparameters: hp,
    epochsRun: 9,
    validation: { ...metrics, accuracy },
    model,
    runId: 'r',
    best,
  });
  const result = {
    experimentId: '1',
    pipelineRunId: 'p',
    selectedModel: '2 searched together, best registry',
    probes: [],
    failedTrials: [{ label: 'trial 2', error: 'diverged' }],
    decisions: [],
    trials: [0, 1].map((i) => ({ ...row, label: `trial ${i}`, epochsRun: 9 })),
    arms: [arm('pretrained registry full', 0.93, true), arm('scratch scratch full', 0.88, false)],
  } as TuneResult;
  expect(formatResult(result).split('\n')).toEqual([
    'candidates: 2 searched together, best registry',
    '2 tuning trials (1 failed: trial 2); nothing tested or registered (tune)',
    '',
    'arm                       strategy  lr     epochs  val acc  val F1  val AUC',
    '------------------------  --------  -----  ------  -------  ------  -------  ----',
    'pretrained registry full  full      0.003  9       93.0%    0.880   0.970    best',
    'scratch scratch full      full      0.003  9       88.0%    0.880   0.970',
  ]);
});

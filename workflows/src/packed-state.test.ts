import { createHash } from 'node:crypto';
import type { StudyState } from './adaptive-search';
import { packState, unpackState } from './packed-state';

/** A carried state as 500 trials of a real study would have it: MLflow run ids and URIs, sha256 digests, full floats. */
function stateOf(trials: number): StudyState {
  const hex = (of: string, n: number) => createHash('sha256').update(of).digest('hex').slice(0, n);
  const score = (t: number) => 0.5 + ((t * 7919) % 1000) / 2003.7;
  const suggestion = (t: number) => ({ learningRate: Number((1e-4 * (1 + (t % 97))).toPrecision(3)), epochs: 9, strategy: 'full' as const, candidate: t % 2 });
  const rows = Array.from({ length: trials }, (_, t) => ({
    trial: t,
    candidate: t % 2,
    label: `trial ${t} registry full lr=${suggestion(t).learningRate} epochs=9 (tpe, rung 0: 1 epochs)`,
    strategy: 'full',
    learningRate: suggestion(t).learningRate,
    epochs: 9,
    epochsRun: 1,
    validation: { accuracy: score(t), macroF1: score(t) * 0.987, rocAucMacro: Math.sqrt(score(t)), loss: -Math.log(score(t)) },
    runId: hex(`run ${t}`, 32),
  }));
  const latest = rows.map((r) => {
    const uri = `mlflow-artifacts:/1/${hex(`ft ${r.trial}`, 32)}/artifacts`;
    return {
      trial: r.trial,
      suggestion: suggestion(r.trial),
      fineTune: {
        model: { uri: `${uri}/model`, digest: hex(`model ${r.trial}`, 64), name: 'm', inputShape: [64], baseLayers: 3 },
        runId: hex(`ft ${r.trial}`, 32),
        backend: 'tensorflow',
        engine: 'graph' as const,
        epochsRun: 1,
        bestEpoch: 0,
        bestValLoss: r.validation.loss,
        bestValAccuracy: r.validation.accuracy,
        startEpoch: 0,
        stoppedEarly: false,
        checkpoint: { uri: `${uri}/checkpoints/epoch-0`, digest: hex(`checkpoint ${r.trial}`, 64), epoch: 0 },
      },
    };
  });
  return {
    next: trials,
    history: rows.map((r) => ({ suggestion: suggestion(r.trial), objective: r.validation.accuracy })),
    latest,
    rows,
    failed: [{ label: 'trial 3', error: 'diverged' }],
    decisions: rows.map((r) => ({ trial: r.trial, rung: 0, epochs: 1, score: r.validation.accuracy, decision: 'paused' as const, runId: r.runId, reached: 1 })),
    scheduler: { rungs: [rows.map((r) => ({ trial: r.trial, score: r.validation.accuracy, done: false }))] } as unknown as StudyState['scheduler'],
    reports: { reported: trials, best: { trial: 0, epoch: 0, valAccuracy: 0.9, valLoss: 0.3 } } as unknown as StudyState['reports'],
  };
}

it('a carried state comes back as its JSON would, from bytes a few times smaller', () => {
  const state = stateOf(500);
  const json = JSON.stringify(state);
  const packed = packState(state);
  expect(unpackState(packed)).toEqual(JSON.parse(json));
  // Real ids, digests and floats do not repeat: what deflates is the keys, labels and URIs around them.
  expect(packed.length).toBeLessThan(json.length / 3);
});

it('what JSON cannot hold comes back as JSON gives it (a failed trial scored -Infinity: null, the worst)', () => {
  const state = { ...stateOf(2), history: [{ suggestion: stateOf(1).history[0]!.suggestion, objective: -Infinity as unknown as null }] };
  expect(unpackState(packState(state)).history[0]!.objective).toBeNull();
});

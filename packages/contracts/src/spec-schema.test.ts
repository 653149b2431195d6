import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { specJsonSchema } from './index';

const root = join(__dirname, '..', '..', '..');
const files = { fineTune: 'fine-tune.schema.json', pretrain: 'pretrain.schema.json' } as const;
const committed = (type: keyof typeof files) => JSON.parse(readFileSync(join(root, 'schemas', files[type]), 'utf8')) as Record<string, unknown>;

describe('spec JSON Schemas', () => {
  it.each(Object.keys(files) as (keyof typeof files)[])('schemas/ holds what `anneal spec schema %s` prints (regenerate with it)', (type) => {
    expect(committed(type)).toEqual(specJsonSchema(type));
  });

  it('every example passes its own $schema, and an editor sees a typo as the parser does', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validators = { 'fine-tune': ajv.compile(committed('fineTune')), pretrain: ajv.compile(committed('pretrain')) };
    const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.json'));
    expect(examples.length).toBeGreaterThan(3);
    for (const file of examples) {
      const spec = JSON.parse(readFileSync(join(root, 'examples', file), 'utf8')) as { $schema: string; tuning?: Record<string, unknown> };
      const kind = /\/(fine-tune|pretrain)\.schema\.json$/.exec(spec.$schema)?.[1] as keyof typeof validators;
      const validate = validators[kind];
      expect([file, validate(spec), validate.errors]).toEqual([file, true, null]);
      if (spec.tuning) {
        expect(validate({ ...spec, tuning: { ...spec.tuning, patiance: 3 } })).toBe(false);
        expect(validate.errors).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ instancePath: '/tuning', keyword: 'additionalProperties', params: { additionalProperty: 'patiance' } }),
          ]),
        );
      }
    }
  });
});

import { createRng } from '@anneal/contracts';
import { parseNumber } from './parse-number';

it('reads every cell exactly as Number() does', () => {
  const fixed = [
    '0',
    '-0',
    '+1',
    '1.',
    '.5',
    '-.5',
    '007',
    '1.000',
    '123456789012345',
    '1234567890123456',
    '0.1',
    '0.3',
    '-999.999',
    '1e3',
    '1E-3',
    ' 1',
    '1 ',
    '',
    ' ',
    '.',
    '-',
    '+',
    '1.2.3',
    '0x10',
    'NaN',
    'Infinity',
    '-Infinity',
    'abc',
    '1,5',
    '9007199254740993',
    '3.141592653589793',
  ];
  for (const t of fixed) expect([t, parseNumber(t)]).toEqual([t, Number(t)]);
  const rng = createRng(3);
  for (let k = 0; k < 20000; k++) {
    const t = ((rng() - 0.5) * 10 ** Math.floor(rng() * 12)).toFixed(Math.floor(rng() * 8));
    expect([t, parseNumber(t)]).toEqual([t, Number(t)]);
  }
});

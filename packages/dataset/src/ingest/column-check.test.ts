import type { ColumnSpec } from '@anneal/contracts';
import { compileColumnCheck } from './column-check';
import { columnSchema } from './table-schema';

const VALUES: unknown[] = [
  null,
  0,
  -0,
  1,
  -1,
  0.5,
  1.5,
  2 ** 53,
  2 ** 53 - 1,
  -(2 ** 53),
  1e308,
  -1e308,
  5e-324,
  NaN,
  Infinity,
  -Infinity,
  '',
  'a',
  'b',
  'red',
  '1',
  'NaN',
  true,
  undefined,
  {},
];
const COLUMNS: ColumnSpec[] = [
  { name: 'n', type: 'number', nullable: false },
  { name: 'n', type: 'number', nullable: true, min: 0, max: 1 },
  { name: 'n', type: 'number', nullable: false, min: -1 },
  { name: 'i', type: 'integer', nullable: false },
  { name: 'i', type: 'integer', nullable: true, min: 0, max: 2 ** 53 },
  { name: 's', type: 'string', nullable: false },
  { name: 's', type: 'string', nullable: true },
  { name: 'c', type: 'category', nullable: false, values: ['a', 'red'] },
  { name: 'c', type: 'category', nullable: true },
];

it.each(COLUMNS.map((c) => [JSON.stringify(c), c] as const))('the fast check accepts exactly what zod accepts: %s', (_, column) => {
  const fast = compileColumnCheck(column);
  const zod = columnSchema(column);
  for (const v of VALUES) expect([v, fast(v)]).toEqual([v, zod.safeParse(v).success]);
});

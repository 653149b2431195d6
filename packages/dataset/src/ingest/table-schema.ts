import { z } from 'zod';
import type { ColumnSpec, TableSchema } from '@anneal/contracts';
import { sourceError } from '../source-error';
import { columnEncoding, MAX_ONE_HOT, wideCategoriesOf } from './feature-slots';
import { parseNumber } from './parse-number';

const SAMPLE_CATEGORIES = 50;
/** Spellings of NaN and infinity: a column holding them is still numeric, and the value check rejects them. */
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** A schema read off the first rows: numeric columns where every sampled value is a number, categories otherwise. */
export function inferSchema(header: readonly string[], sample: readonly (readonly unknown[])[], o: { label: string; missing: MissingValues }): TableSchema {
  const { label } = o;
  const columns = header.map((name, c): ColumnSpec => {
    const values = sample.map((row) => row[c]).filter((v) => !isMissing(v, o.missing));
    const numeric =
      values.length > 0 && values.every((v) => typeof v === 'number' || (typeof v === 'string' && (NON_FINITE.test(v.trim()) || Number.isFinite(Number(v)))));
    if (name === label || !numeric) {
      const distinct = new Set(values.map(String));
      if (name === label) return { name, type: 'category', nullable: false };
      if (distinct.size > SAMPLE_CATEGORIES) return { name, type: 'string', nullable: true };
      return { name, type: 'category', nullable: true, ...(distinct.size > 0 ? { vocabulary: [...distinct].sort() } : {}) };
    }
    const integer = values.every((v) => Number.isInteger(Number(v)));
    return { name, type: integer ? 'integer' : 'number', nullable: true };
  });
  return { columns, label, wideCategories: { policy: 'hash', hashBuckets: 32 } };
}

/** The cell texts read as missing (trimmed): `dataset.missingValues`. */
export type MissingValues = ReadonlySet<string>;

function isMissing(cell: unknown, missing: MissingValues): boolean {
  return cell === null || cell === undefined || cell === '' || (typeof cell === 'string' && missing.has(cell.trim()));
}

/** Turns a raw cell (CSV text or a JSON value) into what the column's zod schema checks; a missing marker is null. */
export function coerceCell(cell: unknown, type: ColumnSpec['type'], missing: MissingValues): unknown {
  if (isMissing(cell, missing)) return null;
  if (type === 'number' || type === 'integer') {
    if (typeof cell !== 'string') return cell;
    // Number() ignores surrounding spaces, and reads a blank as 0: a blank is missing.
    const n = parseNumber(cell);
    return n === 0 && cell.trim() === '' ? null : n;
  }
  return typeof cell === 'number' || typeof cell === 'boolean' ? String(cell) : cell;
}

/** The zod schema of one column: the single source of truth for what a valid value is. */
export function columnSchema(column: ColumnSpec): z.ZodType {
  let base: z.ZodType;
  if (column.type === 'number' || column.type === 'integer') {
    let n = column.type === 'integer' ? z.int() : z.number();
    if (column.min !== undefined) n = n.min(column.min);
    if (column.max !== undefined) n = n.max(column.max);
    base = n;
  } else if (column.values) base = z.enum(column.values as [string, ...string[]]);
  else base = z.string();
  return column.nullable ? base.nullable() : base;
}

/** What a column accepts, in words, for error messages. */
export function describeColumn(column: ColumnSpec): string {
  const range = column.min !== undefined || column.max !== undefined ? ` in [${column.min ?? '-inf'}, ${column.max ?? 'inf'}]` : '';
  const what =
    column.type === 'integer'
      ? `an integer${range}`
      : column.type === 'number'
        ? `a finite number${range}`
        : column.values
          ? `one of ${column.values.join(', ')}`
          : 'a string';
  return column.nullable ? `${what} or empty` : `${what} (not empty)`;
}

export interface ResolvedColumns {
  columns: ColumnSpec[];
  /** Header index of each declared column. */
  index: number[];
  labelAt: number;
  groupAt: number | undefined;
  /** Positions (in `columns`) of the feature columns: numbers, and categories with a one-hot vocabulary. */
  features: number[];
  /** Columns neither used as features nor as label or group. */
  ignored: string[];
}

/** Matches a schema to a file's header; a column the schema names but the file lacks is an error naming both. */
export function resolveColumns(header: readonly string[], schema: TableSchema, file: string, o: { unlabelled?: boolean } = {}): ResolvedColumns {
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw sourceError(`${file}: line 1: column "${h}" appears twice in the header`);
    seen.add(h);
  }
  const have = `${file} has columns: ${header.join(', ')}`;
  const index = schema.columns.map((c) => {
    const at = header.indexOf(c.name);
    if (at < 0) throw sourceError(`schema names column "${c.name}", but ${have}`);
    return at;
  });
  const position = (name: string, role: string) => {
    const at = schema.columns.findIndex((c) => c.name === name);
    if (at < 0) throw sourceError(`${role} column "${name}" is not in the schema's columns (${schema.columns.map((c) => c.name).join(', ')})`);
    return at;
  };
  const labelAt = o.unlabelled && !schema.columns.some((c) => c.name === schema.label) ? -1 : position(schema.label, 'label');
  const groupAt = schema.group === undefined ? undefined : position(schema.group, 'group');
  const features: number[] = [];
  const ignored: string[] = header.filter((h) => !schema.columns.some((c) => c.name === h));
  const textAt = schema.text ? position(schema.text.column, 'text') : -1;
  const wide = wideCategoriesOf(schema);
  schema.columns.forEach((c, i) => {
    if (i === labelAt || i === groupAt) return;
    // A text task's features are its text column's tokens; its other columns are not used.
    const encoding = textAt >= 0 ? { kind: i === textAt ? 'text' : 'unused' } : columnEncoding(c, wide);
    if (encoding.kind === 'wide')
      throw sourceError(
        `${file}: category column "${c.name}" is too wide to one-hot (expected at most ${MAX_ONE_HOT} values, found ${'values' in encoding && encoding.values > 0 ? encoding.values : 'none listed'}); set its hashBuckets, or schema.wideCategories.policy "hash" or "drop"`,
      );
    if (encoding.kind === 'unused') ignored.push(c.name);
    else features.push(i);
  });
  if (features.length === 0)
    throw sourceError(
      `${file}: no feature columns (numbers, or categories: one-hot up to ${MAX_ONE_HOT} values, hashed above) besides the label "${schema.label}" (${have})`,
    );
  return { columns: [...schema.columns], index, labelAt, groupAt, features, ignored };
}

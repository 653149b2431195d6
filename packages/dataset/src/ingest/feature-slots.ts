import type { ColumnSpec, TableSchema } from '@anneal/contracts';
import { tokenGroup, type FeatureDescriptor, type FeatureEncoderName } from '../features/descriptor';
import { fnv1a, tokenIds } from './tokenize';

type TextSpec = NonNullable<TableSchema['text']>;

/** The one-hot column of a category outside a feature's vocabulary (the out-of-vocabulary bucket). */
export const OTHER_CATEGORY = '<other>';
/** The suffix of a numeric feature's missing-indicator column. */
export const MISSING_SUFFIX = ':missing';
/** A category column with more categories than this is too wide to one-hot: `wideCategories` says what becomes of it. */
export const MAX_ONE_HOT = 64;

type WideCategories = TableSchema['wideCategories'];
/** Schemas stored before wide categories were hashed dropped them: data read with one is encoded as it was then. */
const STORED_BEFORE_HASHING: WideCategories = { policy: 'drop', hashBuckets: 32 };

/** What a schema does with wide category columns (a schema stored before the policy existed: what it did then). */
export function wideCategoriesOf(schema: TableSchema): WideCategories {
  return (schema as Partial<TableSchema>).wideCategories ?? STORED_BEFORE_HASHING;
}

/**
 * How a schema column becomes features: a number; one-hot over its vocabulary; hashed into indicator columns (its
 * own `hashBuckets`, or a wide column under the `hash` policy); or not at all (text, or a wide column dropped).
 * `wide` is a wide column the `error` policy refuses: the caller names it.
 */
export type ColumnEncoding =
  { kind: 'number' } | { kind: 'one-hot' } | { kind: 'hashed'; buckets: number } | { kind: 'unused' } | { kind: 'wide'; values: number };

export function columnEncoding(column: ColumnSpec, wide: WideCategories): ColumnEncoding {
  if (column.type === 'number' || column.type === 'integer') return { kind: 'number' };
  if (column.type !== 'category') return { kind: 'unused' };
  if (column.hashBuckets !== undefined) return { kind: 'hashed', buckets: column.hashBuckets };
  const n = vocabularyOf(column).length;
  if (n > 0 && n <= MAX_ONE_HOT) return { kind: 'one-hot' };
  if (wide.policy === 'hash') return { kind: 'hashed', buckets: wide.hashBuckets };
  return wide.policy === 'drop' ? { kind: 'unused' } : { kind: 'wide', values: n };
}

/**
 * Where a table's cells go in its float feature row: a number as itself (0 when missing) followed, for a nullable
 * column, by its missing indicator; a category as one-hot columns of its vocabulary plus `<other>` for any category
 * outside it (a missing category is all zeros). The split fills missing numbers with the training mean, inside the
 * model, using the indicator.
 */
export interface FeatureSlots {
  names: string[];
  /** For each slot, the schema column whose missing indicator it is, or -1. */
  indicatorOf: number[];
  /** The same slots, column by column: what each is (a number, its missing indicator, one-hot, hashed, token ids). */
  groups: FeatureDescriptor;
  /** Writes the feature values of one row's coerced cells (in schema order) into `out`. */
  encode(cells: readonly unknown[], out: Float32Array): void;
}

/** The categories a category column is one-hot encoded with: its declared values, else the vocabulary read off the first rows. */
export function vocabularyOf(column: ColumnSpec): readonly string[] {
  return column.values ?? column.vocabulary ?? [];
}

export function featureSlots(columns: readonly ColumnSpec[], features: readonly number[], o: { text?: TextSpec; wide: WideCategories }): FeatureSlots {
  if (o.text) return textSlots(features[0] as number, o.text.maxTokens);
  const names: string[] = [];
  const indicatorOf: number[] = [];
  const groups: FeatureDescriptor = [];
  const writers: ((cells: readonly unknown[], out: Float32Array) => void)[] = [];
  const group = (name: string, encoder: FeatureEncoderName) => groups.push({ name, encoder, dtype: 'float32', width: 0, shape: [0] });
  const slot = (name: string, indicator = -1) => {
    const last = groups.at(-1) as FeatureDescriptor[number];
    last.width++;
    last.shape = [last.width];
    indicatorOf.push(indicator);
    return names.push(name) - 1;
  };
  for (const c of features) {
    const column = columns[c] as ColumnSpec;
    if (column.type === 'number' || column.type === 'integer') {
      group(column.name, 'number');
      const at = slot(column.name);
      if (!column.nullable) {
        writers.push((cells, out) => (out[at] = (cells[c] as number | null) ?? 0));
        continue;
      }
      group(column.name, 'missing');
      const missing = slot(`${column.name}${MISSING_SUFFIX}`, c);
      writers.push((cells, out) => {
        const v = cells[c] as number | null;
        out[at] = v ?? 0;
        out[missing] = v === null ? 1 : 0;
      });
      continue;
    }
    const encoding = columnEncoding(column, o.wide);
    if (encoding.kind === 'hashed') {
      group(column.name, 'hashed');
      const first = names.length;
      for (let b = 0; b < encoding.buckets; b++) slot(`${column.name}#${b}`);
      writers.push(hashedWriter(c, { first, buckets: encoding.buckets }));
      continue;
    }
    group(column.name, 'one-hot');
    const index = new Map(vocabularyOf(column).map((v) => [v, slot(`${column.name}=${v}`)]));
    const other = slot(`${column.name}=${OTHER_CATEGORY}`);
    const first = other - index.size;
    writers.push((cells, out) => {
      out.fill(0, first, other + 1);
      const v = cells[c];
      if (v !== null && v !== undefined) out[index.get(String(v)) ?? other] = 1;
    });
  }
  return { names, indicatorOf, groups, encode: (cells, out) => writers.forEach((w) => w(cells, out)) };
}

/** A category as one of `buckets` indicator columns, by its hash (FNV-1a); a missing one is all zeros. */
function hashedWriter(c: number, o: { first: number; buckets: number }): (cells: readonly unknown[], out: Float32Array) => void {
  return (cells, out) => {
    out.fill(0, o.first, o.first + o.buckets);
    const v = cells[c];
    if (v !== null && v !== undefined) out[o.first + (fnv1a(String(v)) % o.buckets)] = 1;
  };
}

/** A text column as `maxTokens` token-id slots (`token_1` ...); a missing text reads as an empty one. */
function textSlots(column: number, maxTokens: number): FeatureSlots {
  const names = Array.from({ length: maxTokens }, (_, i) => `token_${i + 1}`);
  return {
    names,
    indicatorOf: names.map(() => -1),
    groups: [tokenGroup(maxTokens)],
    encode: (cells, out) => void tokenIds(String(cells[column] ?? ''), maxTokens, out),
  };
}

/** A slot's column and encoder, read back from the name featureSlots gave it: `x`, `x:missing`, `x=red`, `x#3`. */
export function slotSource(slot: string): { name: string; encoder: FeatureEncoderName } {
  if (slot.endsWith(MISSING_SUFFIX)) return { name: slot.slice(0, -MISSING_SUFFIX.length), encoder: 'missing' };
  const oneHot = slot.lastIndexOf('=');
  if (oneHot > 0) return { name: slot.slice(0, oneHot), encoder: 'one-hot' };
  const hashed = /^(.*)#\d+$/.exec(slot);
  return hashed ? { name: hashed[1] as string, encoder: 'hashed' } : { name: slot, encoder: 'number' };
}

import type { ColumnSpec, TableSchema } from '@anneal/contracts';
import { tokenIds } from './tokenize';

type TextSpec = NonNullable<TableSchema['text']>;

/** The one-hot column of a category outside a feature's vocabulary (the out-of-vocabulary bucket). */
export const OTHER_CATEGORY = '<other>';
/** The suffix of a numeric feature's missing-indicator column. */
export const MISSING_SUFFIX = ':missing';
/** A category column with more categories than this is not one-hot encoded (it is reported as not used). */
export const MAX_ONE_HOT = 64;

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
  /** Writes the feature values of one row's coerced cells (in schema order) into `out`. */
  encode(cells: readonly unknown[], out: Float32Array): void;
}

/** The categories a category column is one-hot encoded with: its declared values, else the vocabulary read off the first rows. */
export function vocabularyOf(column: ColumnSpec): readonly string[] {
  return column.values ?? column.vocabulary ?? [];
}

/** Whether a schema column becomes features: numbers, and categories with a vocabulary of a one-hot size. */
export function isFeatureColumn(column: ColumnSpec): boolean {
  if (column.type === 'number' || column.type === 'integer') return true;
  const n = vocabularyOf(column).length;
  return column.type === 'category' && n > 0 && n <= MAX_ONE_HOT;
}

export function featureSlots(columns: readonly ColumnSpec[], features: readonly number[], text?: TextSpec): FeatureSlots {
  if (text) return textSlots(features[0] as number, text.maxTokens);
  const names: string[] = [];
  const indicatorOf: number[] = [];
  const writers: ((cells: readonly unknown[], out: Float32Array) => void)[] = [];
  const slot = (name: string, indicator = -1) => {
    indicatorOf.push(indicator);
    return names.push(name) - 1;
  };
  for (const c of features) {
    const column = columns[c] as ColumnSpec;
    if (column.type === 'number' || column.type === 'integer') {
      const at = slot(column.name);
      if (!column.nullable) {
        writers.push((cells, out) => (out[at] = (cells[c] as number | null) ?? 0));
        continue;
      }
      const missing = slot(`${column.name}${MISSING_SUFFIX}`, c);
      writers.push((cells, out) => {
        const v = cells[c] as number | null;
        out[at] = v ?? 0;
        out[missing] = v === null ? 1 : 0;
      });
      continue;
    }
    const index = new Map(vocabularyOf(column).map((v) => [v, slot(`${column.name}=${v}`)]));
    const other = slot(`${column.name}=${OTHER_CATEGORY}`);
    const first = other - index.size;
    writers.push((cells, out) => {
      out.fill(0, first, other + 1);
      const v = cells[c];
      if (v !== null && v !== undefined) out[index.get(String(v)) ?? other] = 1;
    });
  }
  return { names, indicatorOf, encode: (cells, out) => writers.forEach((w) => w(cells, out)) };
}

/** A text column as `maxTokens` token-id slots (`token_1` ...); a missing text reads as an empty one. */
function textSlots(column: number, maxTokens: number): FeatureSlots {
  const names = Array.from({ length: maxTokens }, (_, i) => `token_${i + 1}`);
  return {
    names,
    indicatorOf: names.map(() => -1),
    encode: (cells, out) => void tokenIds(String(cells[column] ?? ''), maxTokens, out),
  };
}

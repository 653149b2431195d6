import type { ColumnSpec } from '@anneal/contracts';

/**
 * A column's zod schema (`columnSchema`) as a plain predicate, for the per-cell hot loop: a million rows of
 * twenty columns is twenty million checks, where zod's per-call overhead would cost more than parsing the CSV.
 * zod stays the definition: it explains every rejected cell, and a test holds the two equal on edge values.
 */
export function compileColumnCheck(column: ColumnSpec): (value: unknown) => boolean {
  const { nullable, min, max } = column;
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  switch (column.type) {
    case 'number':
      return (v) => (v === null ? nullable : typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi);
    case 'integer':
      return (v) => (v === null ? nullable : typeof v === 'number' && Number.isSafeInteger(v) && v >= lo && v <= hi);
    default: {
      const allowed = column.values ? new Set(column.values) : undefined;
      return (v) => (v === null ? nullable : typeof v === 'string' && (allowed === undefined || allowed.has(v)));
    }
  }
}

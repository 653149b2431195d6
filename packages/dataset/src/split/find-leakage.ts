import type { Dataset } from '../dataset-format';
import { hashRows } from './split-dataset';

export interface LeakageReport {
  /** Rows of the later split whose content also appears in the earlier one, per pair. */
  sharedRows: { pair: string; rows: number; example?: string }[];
  /** Groups with rows in more than one split. */
  groupsAcrossSplits: { group: string; splits: string[] }[];
  total: number;
}

/** Rows or groups that appear in two splits (by content digest, and by group when the rows have groups). */
export function findLeakage(parts: { train: Dataset; validation: Dataset; test: Dataset }): LeakageReport {
  const names = ['train', 'validation', 'test'] as const;
  const hexes = names.map((n) => {
    const h = hashRows(parts[n]);
    return parts[n].labels.map((_, i) => h.hex(i));
  });
  const sharedRows: LeakageReport['sharedRows'] = [];
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const earlier = new Set(hexes[a]);
      const rows = (hexes[b] ?? []).map((h, i) => ({ h, i })).filter(({ h }) => earlier.has(h));
      const first = rows[0];
      sharedRows.push({ pair: `${names[a]}/${names[b]}`, rows: rows.length, ...(first ? { example: `${names[b]} row ${first.i + 1}` } : {}) });
    }
  }
  const seen = new Map<string, Set<string>>();
  for (const n of names) for (const g of parts[n].groups ?? []) seen.set(g, (seen.get(g) ?? new Set<string>()).add(n));
  const groupsAcrossSplits = [...seen].filter(([, s]) => s.size > 1).map(([group, s]) => ({ group, splits: [...s] }));
  return { sharedRows, groupsAcrossSplits, total: sharedRows.reduce((s, p) => s + p.rows, 0) + groupsAcrossSplits.length };
}

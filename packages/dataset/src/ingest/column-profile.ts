import type { ColumnSpec } from '@anneal/contracts';

export interface ColumnProfile {
  name: string;
  type: ColumnSpec['type'];
  role: 'feature' | 'label' | 'group' | 'ignored';
  count: number;
  missing: number;
  min?: number;
  max?: number;
  mean?: number;
  /** Distinct values of a text column, counted up to 1000. */
  distinct?: number;
  /** Every non-missing value is the same. */
  constant: boolean;
}

const DISTINCT_CAP = 1000;

/** Streaming statistics of one column's accepted values. */
export class ColumnStats {
  private count = 0;
  private missing = 0;
  private min = Infinity;
  private max = -Infinity;
  private sum = 0;
  private first: unknown = undefined;
  private varies = false;
  private readonly distinct = new Set<string>();

  constructor(private readonly column: ColumnSpec, private readonly role: ColumnProfile['role']) {}

  observe(value: unknown): void {
    this.count++;
    if (value === null) {
      this.missing++;
      return;
    }
    if (this.first === undefined) this.first = value;
    else if (!this.varies && value !== this.first) this.varies = true;
    if (typeof value === 'number') {
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
      this.sum += value;
    } else if (this.distinct.size < DISTINCT_CAP) this.distinct.add(String(value));
  }

  profile(): ColumnProfile {
    const present = this.count - this.missing;
    const numeric = this.column.type === 'number' || this.column.type === 'integer';
    return {
      name: this.column.name, type: this.column.type, role: this.role, count: this.count, missing: this.missing,
      ...(numeric && present > 0 ? { min: this.min, max: this.max, mean: this.sum / present } : {}),
      ...(!numeric ? { distinct: this.distinct.size } : {}),
      constant: present > 1 && !this.varies,
    };
  }
}

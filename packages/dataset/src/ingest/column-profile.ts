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

  constructor(
    private readonly column: ColumnSpec,
    private readonly role: ColumnProfile['role'],
  ) {}

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

  /** The running figures, to send from a worker thread and `merge` into the stats of the whole file. */
  snapshot(): ColumnSnapshot {
    return {
      count: this.count,
      missing: this.missing,
      min: this.min,
      max: this.max,
      sum: this.sum,
      first: this.first,
      varies: this.varies,
      distinct: [...this.distinct],
    };
  }

  merge(o: ColumnSnapshot): void {
    this.count += o.count;
    this.missing += o.missing;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
    this.sum += o.sum;
    if (o.first !== undefined) {
      if (this.first === undefined) this.first = o.first;
      else if (o.first !== this.first) this.varies = true;
    }
    this.varies ||= o.varies;
    for (const d of o.distinct) if (this.distinct.size < DISTINCT_CAP) this.distinct.add(d);
  }

  profile(): ColumnProfile {
    const present = this.count - this.missing;
    const numeric = this.column.type === 'number' || this.column.type === 'integer';
    return {
      name: this.column.name,
      type: this.column.type,
      role: this.role,
      count: this.count,
      missing: this.missing,
      ...(numeric && present > 0 ? { min: this.min, max: this.max, mean: this.sum / present } : {}),
      ...(!numeric ? { distinct: this.distinct.size } : {}),
      constant: present > 1 && !this.varies,
    };
  }
}

export interface ColumnSnapshot {
  count: number;
  missing: number;
  min: number;
  max: number;
  sum: number;
  first: unknown;
  varies: boolean;
  distinct: string[];
}

import type { Dataset } from '../dataset-format';
import { descriptorWidth, type FeatureDescriptor } from '../features/descriptor';
import { DuplicateFinder, RowHashes } from './row-hash';

/** One rejected value: where it is, which field, what the schema wanted and what the file had. */
export interface RowProblem {
  /** 1-based line of a text file (the header is line 1), or the image's path. */
  at: string;
  field: string;
  expected: string;
  found: string;
}

export interface RowStats {
  rows: number;
  /** Rows whose inputs and label equal an earlier row's. */
  duplicateRows: number;
  /** Rows whose inputs equal an earlier row's but whose label differs. */
  conflictingLabels: number;
  /** First few duplicates, each with the row it repeats. */
  duplicateExamples: { at: string; sameAs: string; conflict: boolean }[];
  invalidRows: number;
  /** First invalid rows, in file order. */
  invalidExamples: RowProblem[];
  /** sha256 that ignores row order, and one that follows it. */
  contentDigest: string;
  orderedDigest: string;
}

const LISTED = 20;

/**
 * Gathers accepted rows as they stream in: features (when kept), labels, groups, content hashes and
 * duplicate counts; and the first rejected rows. Memory per row is the features plus ~24 bytes.
 */
export class DatasetCollector {
  private readonly hashes = new RowHashes();
  private readonly duplicates = new DuplicateFinder(this.hashes);
  private readonly classIndex = new Map<string, number>();
  private readonly classList: string[] = [];
  private readonly classFirstAt: string[] = [];
  private codes = new Int32Array(1024);
  private where = new Int32Array(1024);
  private features: Float32Array;
  private readonly width: number;
  private readonly groups: string[] = [];
  private readonly stats = { duplicateRows: 0, conflictingLabels: 0, invalidRows: 0 };
  private readonly duplicateExamples: RowStats['duplicateExamples'] = [];
  private readonly invalidExamples: RowProblem[] = [];

  constructor(
    private readonly options: {
      name: string;
      /** What the row's values are; the row's width is theirs added up. */
      descriptor: FeatureDescriptor;
      featureNames?: string[];
      /** false: validate only (the CLI), keeping hashes and labels but not the features. */
      keepFeatures: boolean;
      /** How to name row position `at` in messages: a line number, or an image's path. */
      describe: (at: number) => string;
    },
  ) {
    this.width = descriptorWidth(options.descriptor);
    this.features = new Float32Array(options.keepFeatures ? 1024 * this.width : 0);
  }

  get rows(): number {
    return this.hashes.rows;
  }

  /** `values` may be a reused buffer: it is copied. */
  addRow(values: Float32Array, label: string, at: number, group?: string): void {
    this.append(this.hashes.add(values), values, { label, at, group });
  }

  /** Appends the rows another collector gathered (a worker thread's share of a file), in their order. */
  absorb(part: CollectedPart): void {
    const width = this.width;
    const codeOf = part.classList.map((label, local) => this.codeFor(label, this.options.describe(part.where[part.codes.indexOf(local)] as number)));
    this.duplicates.reserve(part.rows);
    const first = this.hashes.addComputed(part.lanes);
    for (let i = 0; i < part.rows; i++) this.place(first + i, codeOf[part.codes[i] as number] as number, part.where[i] as number);
    this.groups.push(...part.groups);
    if (this.options.keepFeatures) {
      const need = this.rows * width;
      while (need > this.features.length) this.features = grow(this.features);
      this.features.set(part.features, (this.rows - part.rows) * width);
    }
    this.stats.invalidRows += part.invalidRows;
    for (const p of part.invalidExamples) if (this.invalidExamples.length < LISTED) this.invalidExamples.push(p);
  }

  /** What this collector gathered, as transferable arrays (see `absorb`). */
  export(): CollectedPart {
    const rows = this.rows;
    return {
      rows,
      lanes: this.hashes.export(),
      codes: this.codes.slice(0, rows),
      where: this.where.slice(0, rows),
      classList: [...this.classList],
      features: this.features.slice(0, this.options.keepFeatures ? rows * this.width : 0),
      groups: [...this.groups],
      invalidRows: this.stats.invalidRows,
      invalidExamples: [...this.invalidExamples],
    };
  }

  private append(row: number, values: Float32Array, o: { label: string; at: number; group: string | undefined }): void {
    this.place(row, this.codeFor(o.label, undefined, o.at), o.at);
    if (o.group !== undefined) this.groups.push(o.group);
    if (this.options.keepFeatures) {
      if ((row + 1) * this.width > this.features.length) this.features = grow(this.features);
      this.features.set(values, row * this.width);
    }
  }

  private codeFor(label: string, firstAt?: string, at = 0): number {
    let code = this.classIndex.get(label);
    if (code === undefined) {
      code = this.classList.length;
      this.classIndex.set(label, code);
      this.classList.push(label);
      this.classFirstAt.push(firstAt ?? this.options.describe(at));
    }
    return code;
  }

  /** Records the row's label and position, and counts it if it repeats an earlier row. */
  private place(row: number, code: number, at: number): void {
    if (row >= this.codes.length) {
      this.codes = grow(this.codes);
      this.where = grow(this.where);
    }
    this.codes[row] = code;
    this.where[row] = at;
    const earlier = this.duplicates.firstEqual(row);
    if (earlier >= 0) {
      const conflict = this.codes[earlier] !== code;
      if (conflict) this.stats.conflictingLabels++;
      else this.stats.duplicateRows++;
      if (this.duplicateExamples.length < LISTED) {
        this.duplicateExamples.push({ at: this.options.describe(at), sameAs: this.options.describe(this.where[earlier] as number), conflict });
      }
    }
  }

  addInvalid(problem: RowProblem): void {
    this.stats.invalidRows++;
    if (this.invalidExamples.length < LISTED) this.invalidExamples.push(problem);
  }

  /** The content hashes of the rows so far (by row, in the order rows were added). */
  get rowHashes(): RowHashes {
    return this.hashes;
  }

  /** Where row `row` (in the order rows were added) was read: a file and line, or an image's path. */
  describeRow(row: number): string {
    return this.options.describe(this.where[row] as number);
  }

  /** The rows gathered, with what the report needs about them (per-class counts, where each label first appeared). */
  finish(): { dataset: Dataset; rowStats: RowStats; classCounts: Record<string, number>; firstSeen: Record<string, string> } {
    const rows = this.rows;
    const codes = this.codes.subarray(0, rows);
    const classes = [...this.classList].sort();
    const { ordered, content } = this.hashes.digests(codes, this.classList);
    const labels = new Array<string>(this.options.keepFeatures ? rows : 0);
    if (this.options.keepFeatures) for (let i = 0; i < rows; i++) labels[i] = this.classList[codes[i] as number] as string;
    const dataset: Dataset = {
      name: this.options.name,
      featureShape: [this.width],
      classes,
      features: this.features.slice(0, this.options.keepFeatures ? rows * this.width : 0),
      labels,
      ...(this.groups.length > 0 ? { groups: this.groups } : {}),
      ...(this.options.featureNames ? { featureNames: this.options.featureNames } : {}),
      descriptor: this.options.descriptor,
    };
    return {
      dataset,
      rowStats: {
        rows,
        ...this.stats,
        duplicateExamples: this.duplicateExamples,
        invalidExamples: this.invalidExamples,
        contentDigest: content,
        orderedDigest: ordered,
      },
      classCounts: this.classCounts(),
      firstSeen: this.firstSeen(),
    };
  }

  /** Where each class was first seen, to point at a row with an unexpected label. */
  private firstSeen(): Record<string, string> {
    return Object.fromEntries(this.classList.map((c, i) => [c, this.classFirstAt[i] as string]));
  }

  /** Rows per class, counted even when labels are not kept. */
  private classCounts(): Record<string, number> {
    const counts = new Array<number>(this.classList.length).fill(0);
    for (let i = 0; i < this.rows; i++) counts[this.codes[i] as number] = (counts[this.codes[i] as number] ?? 0) + 1;
    return Object.fromEntries([...this.classList].sort().map((c) => [c, counts[this.classIndex.get(c) as number] ?? 0]));
  }
}

/** A collector's rows in transferable form: what a worker thread sends back. */
export interface CollectedPart {
  rows: number;
  lanes: Uint32Array;
  codes: Int32Array;
  where: Int32Array;
  classList: string[];
  features: Float32Array;
  groups: string[];
  invalidRows: number;
  invalidExamples: RowProblem[];
}

function grow<T extends Int32Array | Float32Array>(a: T): T {
  const next = new (a.constructor as new (n: number) => T)(Math.max(1024, a.length * 2));
  next.set(a);
  return next;
}

import { PANDAS_MISSING_VALUES, type ColumnSpec, type TableSchema } from '@anneal/contracts';
import { DatasetCollector, type CollectedPart, type RowProblem } from './collector';
import { ColumnStats, type ColumnSnapshot } from './column-profile';
import type { IngestResult } from './ingest-result';
import { keepFeatures, type Dataset } from '../dataset-format';
import { compileColumnCheck } from './column-check';
import { featureSlots, wideCategoriesOf, type FeatureSlots } from './feature-slots';
import { tokenCounts } from './tokenize';
import { findNearDuplicates } from '../validate/near-duplicates';
import { coerceCell, columnSchema, describeColumn, inferSchema, resolveColumns, type MissingValues, type ResolvedColumns } from './table-schema';

const INFER_ROWS = 1000;

export interface TableIngestOptions {
  name: string;
  /** How the file is named in messages. */
  file: string;
  header: string[];
  schema?: TableSchema;
  /** The schema given was inferred elsewhere (from the first rows, by the thread that split the file). */
  schemaInferred?: boolean;
  keepFeatures: boolean;
  /** Cell texts read as missing (default: pandas' set). */
  missingValues?: readonly string[];
  /** Rows to score rather than train on: a label column the schema does not list is absent, every row's label ''. */
  unlabelled?: boolean;
  /** How a row is named in messages (default `<file>:<line>`; a folder of files names the file). */
  describe?: (line: number) => string;
}

/** One part of a file read by one thread. */
export interface TablePart {
  rows: CollectedPart;
  columns: ColumnSnapshot[];
}

/**
 * Checks rows of a table against its schema (declared, or inferred from the first 1000 rows) and
 * collects the accepted ones. Rejected rows are counted and the first are kept, by line and field.
 */
export class TableIngest {
  private readonly pending: { cells: unknown[]; line: number }[] = [];
  private readonly missing: MissingValues;
  private state?: {
    schema: TableSchema;
    resolved: ResolvedColumns;
    slots: FeatureSlots;
    checks: ((value: unknown) => boolean)[];
    stats: ColumnStats[];
    collector: DatasetCollector;
    /** Coerced cells of the current row, in schema order; and the row's features. */
    cells: unknown[];
    values: Float32Array;
  };

  constructor(private readonly options: TableIngestOptions) {
    this.missing = new Set(options.missingValues ?? PANDAS_MISSING_VALUES);
    if (options.schema) this.start(options.schema);
  }

  push(cells: unknown[], line: number): void {
    if (!this.state) {
      this.pending.push({ cells, line });
      if (this.pending.length >= INFER_ROWS) this.inferAndReplay();
      return;
    }
    this.accept(cells, line);
  }

  finish(): IngestResult {
    if (!this.state) this.inferAndReplay();
    const s = this.state as NonNullable<typeof this.state>;
    const read = s.collector.finish();
    const columns = s.stats.map((c) => c.profile());
    // Missing indicators only for the columns that had gaps: the others would be constant zeros.
    const gaps = new Set(columns.flatMap((c, i) => (c.missing > 0 ? [i] : [])));
    const keep = s.slots.indicatorOf.map((column) => column < 0 || gaps.has(column));
    return {
      ...read,
      dataset: { ...keepFeatures(read.dataset, keep), tableSchema: s.schema },
      schema: s.schema,
      schemaInferred: this.options.schemaInferred ?? this.options.schema === undefined,
      columns,
      notices: [
        ...(s.resolved.ignored.length > 0 ? [`columns not used as features: ${s.resolved.ignored.join(', ')}`] : []),
        ...(s.schema.text && this.options.keepFeatures ? [textLengths(read.dataset, s.schema.text.maxTokens)] : []),
      ],
      ...(s.schema.text && this.options.keepFeatures ? { nearDuplicates: this.nearDuplicates(read.dataset, s.schema.text.maxTokens) } : {}),
    };
  }

  private nearDuplicates(dataset: Dataset, maxTokens: number): NonNullable<IngestResult['nearDuplicates']> {
    const { collector } = this.started();
    const found = findNearDuplicates(dataset.features, { rows: dataset.labels.length, width: maxTokens, hashes: collector.rowHashes });
    const examples = found.pairs.map((p) => ({ at: collector.describeRow(p.b), sameAs: collector.describeRow(p.a), similarity: p.similarity }));
    return { count: found.count, rows: found.rows, threshold: found.threshold, examples };
  }

  /** This reader's rows and column figures, for the thread that merges a file read in parts. */
  exportPart(): TablePart {
    const s = this.started();
    return { rows: s.collector.export(), columns: s.stats.map((c) => c.snapshot()) };
  }

  /** Appends a part read by another TableIngest over the same header and schema (parts in file order). */
  absorb(part: TablePart): void {
    const s = this.started();
    s.collector.absorb(part.rows);
    part.columns.forEach((c, i) => s.stats[i]?.merge(c));
  }

  private started(): NonNullable<typeof this.state> {
    if (!this.state) throw new Error('TableIngest: the schema is not known yet');
    return this.state;
  }

  private inferAndReplay(): void {
    const { header } = this.options;
    this.start(
      inferSchema(
        header,
        this.pending.map((p) => p.cells),
        { label: this.options.schema?.label ?? 'label', missing: this.missing },
      ),
    );
    for (const p of this.pending.splice(0)) this.accept(p.cells, p.line);
  }

  private start(schema: TableSchema): void {
    const resolved = resolveColumns(this.options.header, schema, this.options.file, { unlabelled: this.options.unlabelled === true });
    const role = (i: number) => (i === resolved.labelAt ? 'label' : i === resolved.groupAt ? 'group' : resolved.features.includes(i) ? 'feature' : 'ignored');
    const slots = featureSlots(resolved.columns, resolved.features, { ...(schema.text ? { text: schema.text } : {}), wide: wideCategoriesOf(schema) });
    this.state = {
      schema,
      resolved,
      slots,
      checks: resolved.columns.map(compileColumnCheck),
      stats: resolved.columns.map((c, i) => new ColumnStats(c, role(i))),
      collector: new DatasetCollector({
        name: this.options.name,
        descriptor: slots.groups,
        featureNames: slots.names,
        keepFeatures: this.options.keepFeatures,
        describe: (at) => this.where(at),
      }),
      cells: new Array<unknown>(resolved.columns.length),
      values: new Float32Array(slots.names.length),
    };
  }

  private where(line: number): string {
    return this.options.describe?.(line) ?? `${this.options.file}:${line}`;
  }

  private accept(cells: unknown[], line: number): void {
    const s = this.state as NonNullable<typeof this.state>;
    const { columns, index, labelAt, groupAt } = s.resolved;
    const at = this.where(line);
    if (cells.length !== this.options.header.length) {
      s.collector.addInvalid({ at, field: '(row)', expected: `${this.options.header.length} fields, as in the header`, found: `${cells.length} fields` });
      return;
    }
    for (let i = 0; i < columns.length; i++) {
      const raw = cells[index[i] as number];
      const value = coerceCell(raw, (columns[i] as (typeof columns)[number]).type, this.missing);
      if (!(s.checks[i] as (v: unknown) => boolean)(value)) {
        s.collector.addInvalid(this.problem(i, raw, at));
        return;
      }
      s.cells[i] = value;
    }
    for (let i = 0; i < columns.length; i++) (s.stats[i] as ColumnStats).observe(s.cells[i]);
    // A missing number becomes 0 beside its indicator (the split fits the fill); a category, its one-hot columns.
    s.slots.encode(s.cells, s.values);
    const label = labelAt < 0 ? '' : s.cells[labelAt];
    if (label === null) {
      s.collector.addInvalid({ at, field: columns[labelAt]?.name as string, expected: 'a label', found: 'empty' });
      return;
    }
    const group = groupAt === undefined ? undefined : String(s.cells[groupAt] ?? '');
    s.collector.addRow(s.values, label as string, line, group);
  }

  /** zod says what was wrong with the cell (the fast check only says that it was). */
  private problem(i: number, raw: unknown, at: string): RowProblem {
    const column = (this.state as NonNullable<typeof this.state>).resolved.columns[i] as ColumnSpec;
    const issue = columnSchema(column).safeParse(coerceCell(raw, column.type, this.missing));
    if (issue.success) throw new Error(`column check and zod schema disagree on ${JSON.stringify(raw)} in column ${column.name}`);
    const found = raw === null || raw === undefined || raw === '' ? 'empty' : JSON.stringify(raw).slice(0, 60);
    return { at, field: column.name, expected: describeColumn(column), found };
  }
}

/** What a text column held, from its token ids: lengths, empty texts, texts cut at the cap. */
function textLengths(dataset: Dataset, maxTokens: number): string {
  const rows = dataset.labels.length;
  const lengths = tokenCounts(dataset.features, rows, maxTokens).sort();
  const empty = lengths.filter((n) => n === 0).length;
  const cut = lengths.filter((n) => n === maxTokens).length;
  const at = (q: number) => lengths[Math.min(rows - 1, Math.floor(q * rows))] ?? 0;
  return `text: ${rows} texts, tokens per text median ${at(0.5)}, 90th percentile ${at(0.9)}; ${empty} empty; ${cut} at the cap of ${maxTokens} tokens (longer ones cut)`;
}

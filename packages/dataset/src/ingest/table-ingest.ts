import type { TableSchema } from '@anneal/contracts';
import { DatasetCollector, type RowProblem } from './collector';
import { ColumnStats } from './column-profile';
import type { IngestResult } from './ingest-result';
import { coerceCell, compileRowSchema, describeColumn, inferSchema, resolveColumns, type ResolvedColumns } from './table-schema';

const INFER_ROWS = 1000;

export interface TableIngestOptions {
  name: string;
  /** How the file is named in messages. */
  file: string;
  header: string[];
  schema?: TableSchema;
  keepFeatures: boolean;
}

/**
 * Checks rows of a table against its schema (declared, or inferred from the first 1000 rows) and
 * collects the accepted ones. Rejected rows are counted and the first are kept, by line and field.
 */
export class TableIngest {
  private readonly pending: { cells: unknown[]; line: number }[] = [];
  private state?: {
    schema: TableSchema;
    resolved: ResolvedColumns;
    zod: ReturnType<typeof compileRowSchema>;
    stats: ColumnStats[];
    collector: DatasetCollector;
    values: Float32Array;
    row: Record<string, unknown>;
  };

  constructor(private readonly options: TableIngestOptions) {
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
    const { dataset, rowStats } = s.collector.finish();
    return {
      dataset, rowStats, classCounts: s.collector.classCounts(), firstSeen: s.collector.firstSeen(),
      schema: s.schema, schemaInferred: this.options.schema === undefined,
      columns: s.stats.map((c) => c.profile()),
      notices: s.resolved.ignored.length > 0 ? [`columns not used as features: ${s.resolved.ignored.join(', ')}`] : [],
    };
  }

  private inferAndReplay(): void {
    const { header } = this.options;
    this.start(inferSchema(header, this.pending.map((p) => p.cells), this.options.schema?.label ?? 'label'));
    for (const p of this.pending.splice(0)) this.accept(p.cells, p.line);
  }

  private start(schema: TableSchema): void {
    const resolved = resolveColumns(this.options.header, schema, this.options.file);
    const role = (i: number) => (i === resolved.labelAt ? 'label' : i === resolved.groupAt ? 'group' : resolved.features.includes(i) ? 'feature' : 'ignored');
    this.state = {
      schema, resolved, zod: compileRowSchema(resolved.columns),
      stats: resolved.columns.map((c, i) => new ColumnStats(c, role(i))),
      collector: new DatasetCollector({
        name: this.options.name, featureShape: [resolved.features.length], featureNames: resolved.features.map((i) => resolved.columns[i]?.name as string),
        keepFeatures: this.options.keepFeatures, describe: (at) => `${this.options.file}:${at}`,
      }),
      values: new Float32Array(resolved.features.length),
      row: {},
    };
  }

  private accept(cells: unknown[], line: number): void {
    const s = this.state as NonNullable<typeof this.state>;
    const { columns, index, features, labelAt, groupAt } = s.resolved;
    const at = `${this.options.file}:${line}`;
    if (cells.length !== this.options.header.length) {
      s.collector.addInvalid({ at, field: '(row)', expected: `${this.options.header.length} fields, as in the header`, found: `${cells.length} fields` });
      return;
    }
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i] as (typeof columns)[number];
      s.row[c.name] = coerceCell(cells[index[i] as number], c.type);
    }
    const parsed = s.zod.safeParse(s.row);
    if (!parsed.success) {
      s.collector.addInvalid(this.problem(parsed.error.issues[0]?.path[0], cells, at));
      return;
    }
    const row = parsed.data as Record<string, unknown>;
    for (let i = 0; i < columns.length; i++) s.stats[i]?.observe(row[(columns[i] as (typeof columns)[number]).name]);
    // A missing value in a nullable feature becomes 0; the report counts it under missingValues.
    for (let f = 0; f < features.length; f++) s.values[f] = (row[columns[features[f] as number]?.name as string] as number | null) ?? 0;
    const label = row[columns[labelAt]?.name as string];
    if (label === null || label === undefined) {
      s.collector.addInvalid({ at, field: columns[labelAt]?.name as string, expected: 'a label', found: 'empty' });
      return;
    }
    const group = groupAt === undefined ? undefined : String(row[columns[groupAt]?.name as string] ?? '');
    s.collector.addRow(s.values, String(label), line, group);
  }

  private problem(key: PropertyKey | undefined, cells: unknown[], at: string): RowProblem {
    const s = this.state as NonNullable<typeof this.state>;
    const i = s.resolved.columns.findIndex((c) => c.name === key);
    const column = s.resolved.columns[i];
    if (!column) return { at, field: String(key), expected: 'a valid row', found: JSON.stringify(cells).slice(0, 60) };
    const raw = cells[s.resolved.index[i] as number];
    const found = raw === null || raw === undefined || raw === '' ? 'empty' : JSON.stringify(raw).slice(0, 60);
    return { at, field: column.name, expected: describeColumn(column), found };
  }
}

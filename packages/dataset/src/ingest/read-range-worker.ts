import { parentPort, workerData } from 'node:worker_threads';
import { parseRange, type RangeOptions } from './read-delimited';

/** Worker thread of readDelimitedParallel: parses one byte range and sends back its rows as transferable arrays. */
async function main(options: RangeOptions): Promise<void> {
  try {
    const { ingest, dataLines } = await parseRange(options);
    const part = ingest?.exportPart();
    const transfer = part ? [part.rows.lanes.buffer, part.rows.codes.buffer, part.rows.where.buffer, part.rows.features.buffer] : [];
    parentPort?.postMessage({ part, dataLines }, transfer as ArrayBuffer[]);
  } catch (err) {
    const e = err as Error & { type?: string };
    parentPort?.postMessage({ error: { message: e.message, type: e.type } });
  }
}

void main(workerData as RangeOptions);

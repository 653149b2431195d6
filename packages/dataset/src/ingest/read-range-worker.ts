import { parentPort, workerData } from 'node:worker_threads';
import { parseRange, type RangeOptions } from './read-delimited';

/** Worker thread of readDelimitedParallel: parses one byte range and sends back its rows as transferable arrays. */
async function main(options: RangeOptions): Promise<void> {
  try {
    // Progress goes to the parent in steps of 4 MB, not per chunk.
    let pending = 0;
    const onBytes = (n: number) => {
      pending += n;
      if (pending < 4 << 20) return;
      parentPort?.postMessage({ bytes: pending });
      pending = 0;
    };
    const { ingest, dataLines } = await parseRange({ ...options, onBytes });
    if (pending > 0) parentPort?.postMessage({ bytes: pending });
    const part = ingest?.exportPart();
    const transfer = part ? [part.rows.lanes.buffer, part.rows.codes.buffer, part.rows.where.buffer, part.rows.features.buffer] : [];
    parentPort?.postMessage({ part, dataLines }, transfer as ArrayBuffer[]);
  } catch (err) {
    const e = err as Error & { type?: string };
    parentPort?.postMessage({ error: { message: e.message, type: e.type } });
  }
}

void main(workerData as RangeOptions);

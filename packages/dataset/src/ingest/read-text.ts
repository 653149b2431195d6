import { createReadStream } from 'node:fs';
import { sourceError } from '../source-error';

/**
 * A file's text, a chunk at a time. Invalid UTF-8 is an error naming its line (not U+FFFD),
 * a leading byte-order mark is dropped so the first column's name is what the user wrote,
 * and a read error is a source error rather than a stream left hanging.
 */
export async function* textChunks(
  path: string,
  file: string,
  range: { start?: number; end?: number; firstLine?: number; onBytes?: (bytes: number) => void } = {},
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let line = range.firstLine ?? 1;
  const decode = (chunk: Uint8Array, stream: boolean): string => {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream });
    } catch {
      throw sourceError(`${file}: line ${line + countNewlines(validPrefix(chunk))}: not valid UTF-8; save the file as UTF-8`);
    }
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) line++;
    return text;
  };
  // `end` is exclusive here, inclusive for createReadStream.
  const input = createReadStream(path, { start: range.start, end: range.end === undefined ? undefined : range.end - 1 });
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      range.onBytes?.(chunk.length);
      const text = decode(chunk, true);
      if (text.length > 0) yield text;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw sourceError(`${file}: cannot read (${(err as Error).message})`);
    throw err;
  } finally {
    input.destroy();
  }
  const tail = decode(new Uint8Array(0), false);
  if (tail.length > 0) yield tail;
}

/** The bytes before the first invalid sequence, to count the lines before it. */
function validPrefix(chunk: Uint8Array): Uint8Array {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(chunk.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return chunk.subarray(0, lo);
}

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b === 10) n++;
  return n;
}

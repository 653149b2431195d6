import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, TransientErrorType } from '@anneal/contracts';

export interface DownloadOptions {
  url: string;
  /** How the source is named in messages (a URL without credentials, or an MLflow URI). */
  shown: string;
  dest: string;
  maxBytes: number;
  /** Longest wait for the response or for the next bytes. */
  timeoutMs: number;
  retries: number;
  headers?: Record<string, string>;
  /** The failure types: what cannot be fixed by retrying (4xx, over the cap), and what can (stalls, 5xx). */
  errorTypes?: { bad: ErrorType; unavailable: string };
}

const DATASET_ERRORS = { bad: ErrorType.DatasetSource, unavailable: TransientErrorType.DatasetUnavailable };

class Retryable extends Error {}

/**
 * Streams a URL to `dest` (through `dest.part`, renamed when complete, so no half file is ever read).
 * 4xx other than 408/429 and an over-size body fail at once; stalls, resets and 5xx are retried with backoff.
 */
export async function download(options: DownloadOptions): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await downloadOnce(options);
      return;
    } catch (err) {
      await rm(`${options.dest}.part`, { force: true });
      if (!(err instanceof Retryable)) throw err;
      if (attempt >= options.retries) {
        throw ApplicationFailure.retryable(
          `${options.shown}: ${err.message} (after ${attempt + 1} attempt(s))`,
          (options.errorTypes ?? DATASET_ERRORS).unavailable,
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 5000)));
    }
  }
}

async function downloadOnce(o: DownloadOptions): Promise<void> {
  const sourceError = (message: string) => ApplicationFailure.nonRetryable(message, (o.errorTypes ?? DATASET_ERRORS).bad);
  const abort = new AbortController();
  let stalled = false;
  let timer = setTimeout(() => ((stalled = true), abort.abort()), o.timeoutMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ((stalled = true), abort.abort()), o.timeoutMs);
  };
  try {
    let res: Response;
    try {
      res = await fetch(o.url, { signal: abort.signal, headers: o.headers, redirect: 'follow' });
    } catch (err) {
      throw new Retryable(stalled ? `no response within ${o.timeoutMs} ms` : `cannot connect (${causeOf(err)})`);
    }
    if (!res.ok) {
      const why = `HTTP ${res.status} ${res.statusText}`.trim();
      if (res.status >= 500 || res.status === 408 || res.status === 429) throw new Retryable(why);
      throw sourceError(`${o.shown}: ${why}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > o.maxBytes) throw sourceError(`${o.shown}: ${declared} bytes, over the size cap of ${o.maxBytes} bytes (maxBytes)`);
    if (!res.body) throw new Retryable('empty response body');
    const out = createWriteStream(`${o.dest}.part`);
    let received = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        touch();
        received += chunk.byteLength;
        if (received > o.maxBytes) throw sourceError(`${o.shown}: more than ${o.maxBytes} bytes, over the size cap (maxBytes)`);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    } catch (err) {
      out.destroy();
      if ((err as { type?: string }).type) throw err;
      throw new Retryable(
        stalled ? `stalled: no bytes for ${o.timeoutMs} ms after ${received} bytes` : `transfer failed after ${received} bytes (${causeOf(err)})`,
      );
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    await rename(`${o.dest}.part`, o.dest);
  } finally {
    clearTimeout(timer);
  }
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

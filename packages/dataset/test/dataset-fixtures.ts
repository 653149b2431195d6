import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { ApplicationFailure } from '@temporalio/common';
import { DatasetSpec, ErrorType, type DatasetSpecInput } from '@anneal/contracts';
import { readSource } from '../src/ingest/read-source';
import { validateDataset, type ValidationReport } from '../src/validate/validate-dataset';

/** A fresh data root in the OS temp folder; `write` puts files in it. */
export function dataRoot(): { root: string; write: (name: string, content: string | Uint8Array) => string } {
  const root = mkdtempSync(join(tmpdir(), 'anneal-data-'));
  return {
    root,
    write(name, content) {
      const path = join(root, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      return path;
    },
  };
}

/** A numeric CSV with header `label,f0,f1` and two classes. */
export function csv(rows: number, row: (i: number) => string = (i) => `${i % 2 ? 'b' : 'a'},${i},${(i * 7) % 13}`): string {
  return ['label,f0,f1', ...Array.from({ length: rows }, (_, i) => row(i))].join('\n') + '\n';
}

export function png(options: { width: number; height: number; channels?: 1 | 3; value?: number }): Promise<Buffer> {
  const v = options.value ?? 128;
  const background = options.channels === 3 ? { r: v, g: 255 - v, b: v } : { r: v, g: v, b: v };
  const image = sharp({ create: { width: options.width, height: options.height, channels: 3, background } });
  return (options.channels === 3 ? image : image.greyscale().toColourspace('b-w')).png().toBuffer();
}

export function jpeg(options: { width: number; height: number; value?: number }): Promise<Buffer> {
  const v = options.value ?? 128;
  return sharp({ create: { width: options.width, height: options.height, channels: 3, background: { r: v, g: v, b: v } } })
    .jpeg()
    .toBuffer();
}

/** Reads and validates as the pipeline and the CLI do; throws the first error, else returns the report. */
export async function inspect(spec: DatasetSpecInput, roots: string[]): Promise<ValidationReport> {
  const parsed = DatasetSpec.parse({ minPerClass: 1, ...spec, validation: { recommendedRows: 0, ...spec.validation } });
  const ingested = await readSource({ spec: parsed, dataRoots: roots, downloadDir: join(tmpdir(), 'anneal-test-downloads'), keepFeatures: true });
  const report = validateDataset(ingested, { source: 'test', policy: parsed.validation, classes: parsed.classes, minPerClass: parsed.minPerClass });
  if (!report.passed) throw ApplicationFailure.nonRetryable(report.failures.join('; '), ErrorType.DatasetValidation);
  return report;
}

/** The failure `promise` rejects with: an ApplicationFailure of `type`, whose message is returned. */
export async function failure(promise: Promise<unknown>, type: string): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure of type ${type}, got ${err === undefined ? 'success' : String(err)}`);
  if (err.type !== type) throw new Error(`expected type ${type}, got ${err.type}: ${err.message}`);
  return err.message;
}

/** A loopback HTTP server whose handler the test chooses. */
export async function httpServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

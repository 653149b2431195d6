import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorType, InputError, TransientErrorType, type UrlModelSource } from '@anneal/contracts';
import { download } from '@anneal/dataset';
import type { z } from 'zod';
import type { ModelSource } from './model-source';
import { readLayersModel } from './read-layers-model';

/**
 * model.json over http(s), then the weight files it names, beside it. Streamed to the worker's download folder
 * with a cap on the bytes of all files together, a stall timeout and retries (404 and over-cap fail at once);
 * `sha256` pins the whole model.
 */
export const urlSource: ModelSource<z.output<typeof UrlModelSource>> = {
  label: (c) => `url:${new URL(c.url).pathname.split('/').slice(-2, -1)[0] ?? 'model'}`,
  pretrained: true,
  async load(c, ctx) {
    await mkdir(ctx.downloadDir, { recursive: true });
    const dir = await mkdtemp(join(ctx.downloadDir, 'model-'));
    let left = c.maxBytes;
    const shown = (u: URL) => `${u.origin}${u.pathname}`;
    const read = async (rel: string) => {
      const url = new URL(rel, c.url);
      const dest = join(dir, `${Math.random().toString(36).slice(2)}.part-file`);
      await download({
        url: url.href,
        shown: shown(url),
        dest,
        maxBytes: left,
        timeoutMs: c.timeoutMs,
        retries: c.retries,
        errorTypes: { bad: ErrorType.ModelSource, unavailable: TransientErrorType.ServiceUnavailable },
      });
      const bytes = await readFile(dest);
      left -= bytes.byteLength;
      return bytes;
    };
    try {
      const loaded = await readLayersModel(read, shown(new URL(c.url)));
      if (c.sha256 && loaded.sha256 !== c.sha256) {
        loaded.model.dispose();
        throw new InputError(ErrorType.ArtifactIntegrity, `${shown(new URL(c.url))}: the model's sha256 is ${loaded.sha256}, the spec pins ${c.sha256}`);
      }
      return loaded;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

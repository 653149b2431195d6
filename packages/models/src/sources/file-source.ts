import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorType, type FileModelSource } from '@anneal/contracts';
import { resolveDataPath } from '@anneal/dataset';
import type { z } from 'zod';
import type { ModelSource } from './model-source';
import { readLayersModel, sourceError } from './read-layers-model';

/** A TF.js LayersModel folder (or its model.json) inside the data roots; every file it names is confined there too. */
export const fileSource: ModelSource<z.output<typeof FileModelSource>> = {
  label: (c) => `file:${basename(c.path.replace(/\/model\.json$/, ''))}`,
  pretrained: true,
  async load(c, ctx) {
    const folder = c.path.endsWith('.json') ? dirname(c.path) : c.path;
    const read = async (rel: string) => {
      const shown = join(folder, rel);
      const path = await resolveDataPath(shown, ctx.dataRoots, { errorType: ErrorType.ModelSource });
      try {
        return await readFile(path);
      } catch (err) {
        throw sourceError(`${shown}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    };
    return readLayersModel(read, c.path);
  },
};

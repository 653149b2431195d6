import { basename, dirname } from 'node:path';
import type { FileModelSource } from '@anneal/contracts';
import type { z } from 'zod';
import { folderReader } from './folder-reader';
import type { ModelSource } from './model-source';
import { readLayersModel } from './read-layers-model';

/** A TF.js LayersModel folder (or its model.json) inside the data roots; every file it names is confined there too. */
export const fileSource: ModelSource<z.output<typeof FileModelSource>> = {
  label: (c) => `file:${basename(c.path.replace(/\/model\.json$/, ''))}`,
  pretrained: true,
  async load(c, ctx) {
    const folder = c.path.endsWith('.json') ? dirname(c.path) : c.path;
    return readLayersModel(folderReader(folder, ctx.dataRoots), c.path);
  },
};

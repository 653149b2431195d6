import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import type { ImageSpec } from '@anneal/contracts';
import { sourceError } from '../source-error';
import { resolveDataPath } from './data-roots';
import { listClassFolders } from './class-folders';
import { wholeRow } from '../features/descriptor';
import { DatasetCollector } from './collector';
import type { IngestResult, Progress } from './ingest-result';

export interface ReadImagesOptions {
  /** The folder, already confined to the data roots. */
  path: string;
  file: string;
  name: string;
  image: ImageSpec;
  dataRoots: readonly string[];
  keepFeatures: boolean;
  onProgress?: Progress;
}

const EXTENSIONS: Record<string, 'png' | 'jpeg'> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg' };

/**
 * An image folder: one sub-folder per class, PNG or JPEG files in each, decoded by sharp (libvips) and
 * resized to `image`. Files are read one at a time, so memory holds the decoded dataset and one file.
 */
export async function readImages(options: ReadImagesOptions): Promise<IngestResult> {
  const { file, image } = options;
  const { classes, total, notices } = await listClassFolders(options.path, { file, extensions: Object.keys(EXTENSIONS), what: 'images' });
  const files: string[] = [];
  const collector = new DatasetCollector({
    name: options.name,
    descriptor: wholeRow('pixels', [image.height, image.width, image.channels]),
    keepFeatures: options.keepFeatures,
    describe: (at) => files[at] ?? String(at),
  });
  const formatMismatches: NonNullable<IngestResult['formatMismatches']> = [];
  let seen = 0;
  for (const { label, names } of classes) {
    for (const name of names) {
      options.onProgress?.({ done: seen++, total, unit: 'files' });
      const shown = `${file}/${label}/${name}`;
      const extension = EXTENSIONS[extname(name).toLowerCase()] as 'png' | 'jpeg';
      const real = await resolveDataPath(join(options.path, label, name), options.dataRoots, { shown });
      const bytes = await readFile(real);
      const actual = sniff(bytes);
      if (!actual) throw sourceError(`${shown}: not a PNG or JPEG image (its first bytes are neither signature)`);
      if (actual !== extension) formatMismatches.push({ at: shown, extension: extname(name), actual });
      files.push(shown);
      collector.addRow(await decode(bytes, { shown, image, actual }), label, files.length - 1);
    }
  }
  options.onProgress?.({ done: total, total, unit: 'files' });
  return { ...collector.finish(), columns: [], notices, formatMismatches };
}

function sniff(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

async function decode(bytes: Buffer, o: { shown: string; image: ImageSpec; actual: string }): Promise<Float32Array> {
  const { width, height, channels } = o.image;
  try {
    // failOn 'truncated': a cut-off file is an error, not an image with a grey bottom half.
    const meta = await sharp(bytes, { failOn: 'truncated' }).metadata();
    const colour = (meta.channels ?? 0) - (meta.hasAlpha ? 1 : 0);
    if (!o.image.resize && (meta.width !== width || meta.height !== height || colour !== channels)) {
      throw sourceError(
        `${o.shown}: expected ${width}x${height} with ${channels} channel(s), found ${meta.width}x${meta.height} with ${colour} (set image.resize to convert)`,
      );
    }
    let pipeline = sharp(bytes, { failOn: 'truncated' }).flatten({ background: '#000000' }).resize(width, height, { fit: 'fill' });
    pipeline = channels === 1 ? pipeline.greyscale() : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels || data.length !== width * height * channels) {
      throw sourceError(`${o.shown}: decoded to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x${channels}`);
    }
    const values = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) values[i] = (data[i] as number) / 255;
    return values;
  } catch (err) {
    if ((err as { type?: string }).type) throw err;
    throw sourceError(`${o.shown}: cannot decode ${o.actual.toUpperCase()} (truncated or corrupt: ${(err as Error).message})`);
  }
}

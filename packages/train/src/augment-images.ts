import { createRng, ErrorType, InputError, type Augmentation } from '@anneal/contracts';

export type ImageShape = readonly [height: number, width: number, channels: number];

/** The rows' image shape: declared, or a square single-channel image (28x28 digits) inferred from the row size. */
export function imageShapeOf(augmentation: Augmentation, rowSize: number): ImageShape {
  if (augmentation.imageShape) {
    const [h, w, c] = augmentation.imageShape;
    if (h * w * c !== rowSize)
      throw new InputError(ErrorType.InvalidSpec, `augmentation.imageShape ${h}x${w}x${c} holds ${h * w * c} values; the rows have ${rowSize}`);
    return augmentation.imageShape;
  }
  const side = Math.round(Math.sqrt(rowSize));
  if (side * side !== rowSize)
    throw new InputError(ErrorType.InvalidSpec, `augmentation needs augmentation.imageShape: rows of ${rowSize} values are not a square image`);
  return [side, side, 1];
}

/** A seed for one (epoch, batch): the same augmentation after a resume as in an uninterrupted run. */
export function batchSeed(seed: number, epoch: number, batch: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca77) ^ Math.imul(batch + 1, 0xc2b2ae3d)) >>> 0;
}

/**
 * Augments a batch of images in place of a copy: per image a random shift, rotation about the centre and
 * horizontal flip (nearest-neighbour, zeros where the source falls outside), then gaussian noise, clamped to 0..1.
 * Plain JS on the batch's floats, so every backend sees the same pixels.
 */
export function augmentImages(batch: Float32Array, shape: ImageShape, options: { augmentation: Augmentation; seed: number }): Float32Array {
  const [h, w, c] = shape;
  const size = h * w * c;
  const a = options.augmentation;
  const rng = createRng(options.seed);
  const out = new Float32Array(batch.length);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  for (let start = 0; start < batch.length; start += size) {
    const dx = a.shift > 0 ? Math.round((rng() * 2 - 1) * a.shift) : 0;
    const dy = a.shift > 0 ? Math.round((rng() * 2 - 1) * a.shift) : 0;
    const theta = a.rotation > 0 ? ((rng() * 2 - 1) * a.rotation * Math.PI) / 180 : 0;
    const flip = a.flipHorizontal && rng() < 0.5;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // Inverse map: where in the source does output pixel (x, y) come from?
        const ux = (flip ? w - 1 - x : x) - dx - cx;
        const uy = y - dy - cy;
        const sx = Math.round(cos * ux + sin * uy + cx);
        const sy = Math.round(-sin * ux + cos * uy + cy);
        const inside = sx >= 0 && sx < w && sy >= 0 && sy < h;
        for (let k = 0; k < c; k++) out[start + (y * w + x) * c + k] = inside ? (batch[start + (sy * w + sx) * c + k] as number) : 0;
      }
    }
    if (a.noise > 0) {
      for (let i = start; i < start + size; i++) {
        const gaussian = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
        out[i] = Math.min(1, Math.max(0, (out[i] as number) + a.noise * gaussian));
      }
    }
  }
  return out;
}

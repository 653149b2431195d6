/**
 * How a source's values became features. Each name has one entry in `ENCODERS` (./encoders.ts), which says how
 * such features are compared for drift and whether standardizing them means anything: a new modality is a new
 * reader and a new encoder, not a change in every package.
 */
export type FeatureEncoderName = 'number' | 'missing' | 'one-hot' | 'hashed' | 'tokens' | 'pixels' | 'vector';

/** One source's features: the next `width` values of every row. */
export interface FeatureGroup {
  /** The table column, or `text`, `image`, `features` (a JSON Lines vector). */
  name: string;
  encoder: FeatureEncoderName;
  /**
   * What the values are: `int32` for ids (token ids, which the model looks up), `float32` for quantities. Rows are
   * stored as float32 either way: every id below 2^24 is exact in a float32.
   */
  dtype: 'float32' | 'int32';
  /** Values per row. */
  width: number;
  /** Their shape: [height, width, channels] for pixels, [maxTokens] for tokens, [width] otherwise. */
  shape: number[];
}

/** A dataset's features, source by source, in row order: the widths add up to the row's width. */
export type FeatureDescriptor = FeatureGroup[];

/** The one group of a row that is an image, or a vector read as it is. */
export function wholeRow(encoder: 'pixels' | 'vector', shape: readonly number[]): FeatureDescriptor {
  const name = encoder === 'pixels' ? 'image' : 'features';
  return [{ name, encoder, dtype: 'float32', width: shape.reduce((a, b) => a * b, 1), shape: [...shape] }];
}

/** A text column as token ids. */
export function tokenGroup(maxTokens: number): FeatureGroup {
  return { name: 'text', encoder: 'tokens', dtype: 'int32', width: maxTokens, shape: [maxTokens] };
}

export function descriptorWidth(descriptor: FeatureDescriptor): number {
  return descriptor.reduce((sum, g) => sum + g.width, 0);
}

/** Where each group starts in a row. */
export function groupOffsets(descriptor: FeatureDescriptor): number[] {
  let at = 0;
  return descriptor.map((g) => (at += g.width) - g.width);
}

/**
 * The descriptor after dropping the row positions `keep` marks false (a table's constant missing indicators): each
 * group loses the dropped positions and a group left with none goes.
 */
export function keepInDescriptor(descriptor: FeatureDescriptor, keep: readonly boolean[]): FeatureDescriptor {
  const offsets = groupOffsets(descriptor);
  return descriptor.flatMap((g, i) => {
    const start = offsets[i] as number;
    const width = keep.slice(start, start + g.width).filter(Boolean).length;
    if (width === g.width) return [g];
    return width === 0 ? [] : [{ ...g, width, shape: [width] }];
  });
}

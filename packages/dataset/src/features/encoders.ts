import { column, psi, rowSummaries, sharesPsi, slotShares, textLengths, vocabularyShift } from '../validate/psi';
import type { FeatureEncoderName, FeatureGroup } from './descriptor';

/** One group's values in a dataset: `rows` x `group.width`, row-major, with the table's slot names where it has them. */
export interface GroupBlock {
  group: FeatureGroup;
  values: Float32Array;
  names?: readonly string[];
}

export interface DriftEntry {
  feature: string;
  psi: number;
}

/** What Anneal needs to know of an encoder beyond the reader that produced its values. */
export interface FeatureEncoder {
  /**
   * Whether the values are quantities that a table's standardization (mean and std fitted on the training split)
   * applies to: numbers and indicator columns yes, ids and pixels no (their models have their own input contract).
   */
  tabular: boolean;
  /** How far `current` has moved from `reference` (the data the model learned from), as PSI entries. */
  drift(reference: GroupBlock, current: GroupBlock): DriftEntry[];
}

/** Above this many values a block is compared by per-row summaries: a PSI per pixel mostly measures noise. */
const WIDE = 256;

/** A column's category frequencies, one entry named by the column. */
const categorical: FeatureEncoder = {
  tabular: true,
  drift: (reference, current) => [
    { feature: current.group.name, psi: sharesPsi(slotShares(reference.values, reference.group.width), slotShares(current.values, current.group.width)) },
  ],
};

const perValue: FeatureEncoder = {
  tabular: false,
  drift: (reference, current) => {
    const { width } = current.group;
    if (width > WIDE) {
      const [ref, cur] = [rowSummaries(reference.values, width), rowSummaries(current.values, width)];
      return [
        { feature: 'row_mean', psi: psi(ref.mean, cur.mean) },
        { feature: 'row_std', psi: psi(ref.spread, cur.spread) },
      ];
    }
    return Array.from({ length: width }, (_, f) => ({
      feature: current.names?.[f] ?? `feature_${f}`,
      psi: psi(column(reference.values, width, f), column(current.values, width, f)),
    }));
  },
};

/** Every encoder: a Record, so an encoder name without its entry does not compile. */
export const ENCODERS: Readonly<Record<FeatureEncoderName, FeatureEncoder>> = {
  number: {
    tabular: true,
    drift: (reference, current) => [{ feature: current.group.name, psi: psi(column(reference.values, 1, 0), column(current.values, 1, 0)) }],
  },
  /** The share of rows missing the column. */
  missing: {
    tabular: true,
    drift: (reference, current) => [
      { feature: `${current.group.name} missing`, psi: sharesPsi(slotShares(reference.values, 1), slotShares(current.values, 1)) },
    ],
  },
  'one-hot': categorical,
  hashed: categorical,
  /** A text's length and its vocabulary (the reference's 100 most frequent tokens). */
  tokens: {
    tabular: false,
    drift: (reference, current) => [
      { feature: 'text length', psi: psi(textLengths(reference.values, reference.group.width), textLengths(current.values, current.group.width)) },
      { feature: 'text vocabulary', psi: vocabularyShift(reference.values, current.values) },
    ],
  },
  pixels: perValue,
  vector: perValue,
};

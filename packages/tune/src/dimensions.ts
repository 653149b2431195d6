import type { Hyperparameters, LrSchedule } from '@anneal/contracts';

/**
 * The search's categorical dimensions beyond learning rate, epochs, strategy and candidate: each a list of values a
 * sampler picks one of (by index), and how the pick sets a trial's hyperparameters. The seam where the next
 * dimension plugs in: a name here, a field in the spec's `tuning.dimensions`.
 */
export interface Dimensions {
  batchSize?: readonly number[];
  headDropout?: readonly number[];
  l2?: readonly number[];
  labelSmoothing?: readonly number[];
  /** On (the spec's `augmentation`) or off. */
  augmentation?: readonly boolean[];
  lrSchedule?: readonly LrSchedule[];
}

export type DimensionName = keyof Dimensions;

/** Picks by dimension: the index of the chosen value in the dimension's list. */
export type Picks = Partial<Record<DimensionName, number>>;

type Apply = (hp: Hyperparameters, value: never) => Hyperparameters;

const APPLY: Record<DimensionName, Apply> = {
  batchSize: (hp, v: number) => ({ ...hp, batchSize: v }),
  headDropout: (hp, v: number) => ({ ...hp, regularization: { ...hp.regularization, headDropout: v } }),
  l2: (hp, v: number) => ({ ...hp, regularization: { ...hp.regularization, l2: v } }),
  labelSmoothing: (hp, v: number) => ({ ...hp, regularization: { ...hp.regularization, labelSmoothing: v } }),
  augmentation: (hp, on: boolean) => (on ? hp : withoutAugmentation(hp)),
  lrSchedule: (hp, v: LrSchedule) => ({ ...hp, lrSchedule: v }),
};

function withoutAugmentation(hp: Hyperparameters): Hyperparameters {
  const out = { ...hp };
  delete out.augmentation;
  return out;
}

/** The dimensions a space searches, in the one order every sampler draws them. */
export function dimensionsOf(d: Dimensions | undefined): [DimensionName, readonly unknown[]][] {
  if (!d) return [];
  return (Object.keys(APPLY) as DimensionName[]).filter((k) => (d[k]?.length ?? 0) > 0).map((k) => [k, d[k] as readonly unknown[]]);
}

/** A trial's hyperparameters with the picked values set. */
export function applyPicks(hp: Hyperparameters, d: Dimensions | undefined, picks: Picks | undefined): Hyperparameters {
  let out = hp;
  for (const [name, values] of dimensionsOf(d)) {
    const i = picks?.[name];
    if (i !== undefined) out = APPLY[name](out, values[i] as never);
  }
  return out;
}

/** The picks as a trial label shows them: `batchSize=64 headDropout=0.2 lrSchedule=cosine`. */
export function describePicks(d: Dimensions | undefined, picks: Picks | undefined): string {
  return dimensionsOf(d)
    .filter(([name]) => picks?.[name] !== undefined)
    .map(([name, values]) => `${name}=${show(values[picks?.[name] as number])}`)
    .join(' ');
}

function show(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'object' && v !== null && 'kind' in v) return String((v as { kind: string }).kind);
  return String(v);
}

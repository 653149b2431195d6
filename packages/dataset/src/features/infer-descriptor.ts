import { slotSource } from '../ingest/feature-slots';
import { tokenGroup, wholeRow, type FeatureDescriptor } from './descriptor';

/** What a dataset stored before descriptors existed must have held, read from its feature names and schema. */
export function inferDescriptor(d: { featureShape: readonly number[]; featureNames?: readonly string[]; text?: boolean }): FeatureDescriptor {
  const width = d.featureShape.reduce((a, b) => a * b, 1);
  if (d.text) return [tokenGroup(width)];
  if (!d.featureNames) return wholeRow('vector', [width]);
  const groups: FeatureDescriptor = [];
  for (const slot of d.featureNames) {
    const { name, encoder } = slotSource(slot);
    const last = groups.at(-1);
    if (last && last.name === name && last.encoder === encoder && encoder !== 'number' && encoder !== 'missing') {
      last.width++;
      last.shape = [last.width];
    } else groups.push({ name, encoder, dtype: 'float32', width: 1, shape: [1] });
  }
  return groups;
}

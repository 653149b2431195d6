import type { Architecture, ModelCandidate } from '@anneal/contracts';
import { buildClassifier } from '../build-classifier';
import type { ModelSource } from './model-source';

/** A freshly initialised net of the spec's architecture (seeded), for the from-scratch baseline. */
export const scratchSource: ModelSource<Extract<ModelCandidate, { kind: 'scratch' }>> = {
  label: (c) => `scratch-${describeArchitecture(c.architecture)}`,
  pretrained: false,
  async load(c, ctx) {
    const { inputShape, numClasses, scaling } = ctx.task;
    return { model: buildClassifier({ inputShape, architecture: c.architecture, numClasses, seed: 7, ...(scaling ? { scaling } : {}) }) };
  },
};

function describeArchitecture(a: Architecture): string {
  if (a.kind === 'mlp') return `mlp-${a.hiddenUnits.join('x')}`;
  if (a.kind === 'text') return `text-${a.encoder}-${a.embeddingDim}`;
  return `cnn-${a.filters.join('x')}-${a.denseUnits}`;
}

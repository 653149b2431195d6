import type { Architecture, ModelCandidate } from '@anneal/contracts';
import { buildClassifier } from '../build-classifier';
import type { ModelSource } from './model-source';

/** A freshly initialised net of the spec's architecture (seeded), for the from-scratch baseline. */
export const scratchSource: ModelSource<Extract<ModelCandidate, { kind: 'scratch' }>> = {
  label: (c) => `scratch-${describeArchitecture(c.architecture)}`,
  pretrained: false,
  async load(c, ctx) {
    return { model: buildClassifier({ inputShape: ctx.task.inputShape, architecture: c.architecture, numClasses: ctx.task.numClasses, seed: 7 }) };
  },
};

function describeArchitecture(a: Architecture): string {
  return a.kind === 'mlp' ? `mlp-${a.hiddenUnits.join('x')}` : `cnn-${a.filters.join('x')}-${a.denseUnits}`;
}

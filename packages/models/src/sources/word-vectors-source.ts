import type { ModelCandidate } from '@anneal/contracts';
import { buildClassifier } from '../build-classifier';
import { embeddingTable } from '../word-vectors/embedding-table';
import { wordVectorPackages } from '../word-vectors/word-vector-packages';
import type { ModelSource } from './model-source';

type WordVectorsCandidate = Extract<ModelCandidate, { kind: 'word-vectors' }>;

/**
 * A text model whose embedding (its base) starts from a package's pre-trained word vectors, then the encoder, dense
 * layers and the head, all untrained. The table is built once here; the stored model carries it, so trials never read the
 * package again.
 */
export const wordVectorsSource: ModelSource<WordVectorsCandidate> = {
  label: (c) => `word-vectors:${c.package}-${c.encoder}`,
  pretrained: true,
  async load(c, ctx) {
    const table = embeddingTable(wordVectorPackages[c.package](), 3);
    const model = buildClassifier({
      inputShape: ctx.task.inputShape,
      architecture: {
        kind: 'text',
        embeddingDim: table.dimensions,
        encoder: c.encoder,
        filters: c.filters,
        kernelSize: c.kernelSize,
        hiddenUnits: c.hiddenUnits,
        dropout: c.dropout,
      },
      numClasses: ctx.task.numClasses,
      seed: 7,
      embeddings: table.weights,
    });
    return {
      model,
      params: {
        'word_vectors.package': c.package,
        'word_vectors.usable_words': String(table.wordsUsable),
        'word_vectors.token_ids_filled': String(table.bucketsFilled),
      },
    };
  },
};

import type * as tf from '@tensorflow/tfjs';
import type { FeatureScaling, ModelCandidate, ModelRef } from '@anneal/contracts';
import type { ArtifactStore, MlflowClient } from '@anneal/tracking';

export interface SourceContext {
  mlflow: MlflowClient;
  artifacts: ArtifactStore;
  /** Folders a `file` source may read (ANNEAL_DATA_ROOTS). */
  dataRoots: readonly string[];
  /** Where downloads land (a worker's cache). */
  downloadDir: string;
  /** Where a source stores what the imported model refers to (a graph); absent outside a pipeline. */
  storeAt?: string;
  /** The task: what a from-scratch net is built for. */
  task: { inputShape: number[]; numClasses: number; scaling?: FeatureScaling };
}

/** What a source gives: a model already in Anneal's artifact store, or one read from elsewhere, to be stored. */
export type SourcedModel =
  | { stored: ModelRef }
  | {
      model: tf.LayersModel;
      sha256?: string;
      frozenInSource?: number;
      /** The cut, where the source decides it. */
      cut?: string;
      /** What the source wants on the prepare run (e.g. how many token ids pre-trained word vectors reached). */
      params?: Record<string, string>;
    };

/**
 * One kind of model candidate (registry, scratch, file, keras, url, mlflow, graph, word-vectors): the seam where the next source plugs in.
 * `prepareCandidate` stores what it loads once, by digest, so trials, retries and later pipelines read it from there.
 */
export interface ModelSource<C extends ModelCandidate> {
  /** How the candidate is named in runs and tables. */
  label(candidate: C): string;
  /** Whether it brings pre-trained weights (a scratch net does not). */
  pretrained: boolean;
  load(candidate: C, ctx: SourceContext): Promise<SourcedModel>;
}

export type ModelSources = { [K in ModelCandidate['kind']]: ModelSource<Extract<ModelCandidate, { kind: K }>> };

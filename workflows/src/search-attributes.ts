import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributeUpdatePair } from '@temporalio/common';
import { patched, upsertSearchAttributes } from '@temporalio/workflow';

/**
 * Anneal's custom search attributes: what a pipeline is, on which data and model, where it stands, and which
 * version is champion after it, so `temporal workflow list --query "AnnealModel='digits-5-9'"` finds a model's
 * pipelines. `anneal up` and every worker register them (see `ensureSearchAttributes`); on a cluster an operator
 * may register them instead: `temporal operator search-attribute create --name AnnealModel --type Keyword` (one each).
 */
export const SEARCH_ATTRIBUTES = {
  pipeline: defineSearchAttributeKey('AnnealPipeline', SearchAttributeType.KEYWORD),
  dataset: defineSearchAttributeKey('AnnealDataset', SearchAttributeType.KEYWORD),
  model: defineSearchAttributeKey('AnnealModel', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('AnnealStage', SearchAttributeType.KEYWORD),
  championVersion: defineSearchAttributeKey('AnnealChampionVersion', SearchAttributeType.INT),
} as const;

export interface PipelineIdentity {
  pipeline: 'fineTune' | 'pretrain' | 'batchPredict' | 'tune';
  model: string;
  dataset?: string;
}

/** A pipeline's search attributes: set once at its start, the stage and champion updated as it goes. */
export interface Visibility {
  stage(name: string): void;
  champion(version: string | undefined): void;
}

/** Histories recorded before search attributes existed replay without them (the patch marks the new ones). */
export function announcePipeline(identity: PipelineIdentity): Visibility {
  const on = patched('search-attributes');
  const upsert = (pairs: SearchAttributeUpdatePair[]): void => {
    if (on) upsertSearchAttributes(pairs);
  };
  const k = SEARCH_ATTRIBUTES;
  upsert([
    { key: k.pipeline, value: identity.pipeline },
    { key: k.model, value: identity.model },
    ...(identity.dataset ? [{ key: k.dataset, value: identity.dataset }] : []),
  ]);
  let current = '';
  return {
    stage(name) {
      if (name === current) return;
      current = name;
      upsert([{ key: k.stage, value: name }]);
    },
    champion(version) {
      const n = Number(version);
      if (version !== undefined && Number.isSafeInteger(n)) upsert([{ key: k.championVersion, value: n }]);
    },
  };
}

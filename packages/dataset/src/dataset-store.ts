import type { DatasetRef } from '@anneal/contracts';
import type { ArtifactStore } from '@anneal/tracking';
import { decodeDataset, encodeDataset, type Dataset } from './dataset-format';
import type { IngestResult } from './ingest/ingest-result';

/** What ingest learnt about the rows, stored next to them so validation can report it. */
export type IngestProfile = Omit<IngestResult, 'dataset'>;

export async function storeDataset(
  store: ArtifactStore,
  uri: string,
  dataset: Dataset,
  extra?: { profile?: IngestProfile; contentDigest?: string },
): Promise<DatasetRef> {
  const files = encodeDataset(dataset);
  if (extra?.profile) files.push({ name: 'ingest.json', bytes: Buffer.from(JSON.stringify(extra.profile)) });
  const ref = await store.put(uri, files);
  return {
    ...ref,
    name: dataset.name,
    rows: dataset.labels.length,
    featureShape: dataset.featureShape,
    classes: dataset.classes,
    ...(extra?.contentDigest ? { contentDigest: extra.contentDigest } : {}),
  };
}

export async function loadDataset(store: ArtifactStore, ref: Pick<DatasetRef, 'uri' | 'digest'>): Promise<Dataset> {
  return decodeDataset(await store.get(ref));
}

/** The dataset and, when ingest stored one, its profile. */
export async function loadIngested(store: ArtifactStore, ref: DatasetRef): Promise<{ dataset: Dataset; profile?: IngestProfile }> {
  const files = await store.get(ref);
  const profile = files.get('ingest.json');
  return { dataset: decodeDataset(files), ...(profile ? { profile: JSON.parse(Buffer.from(profile).toString('utf8')) as IngestProfile } : {}) };
}

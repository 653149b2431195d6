import type { DatasetRef } from '@anneal/contracts';
import type { ArtifactStore } from '@anneal/tracking';
import { decodeDataset, encodeDataset, type Dataset } from './dataset-format';

export async function storeDataset(store: ArtifactStore, uri: string, dataset: Dataset): Promise<DatasetRef> {
  const ref = await store.put(uri, encodeDataset(dataset));
  return { ...ref, name: dataset.name, rows: dataset.labels.length, featureShape: dataset.featureShape, classes: dataset.classes };
}

export async function loadDataset(store: ArtifactStore, ref: DatasetRef): Promise<Dataset> {
  return decodeDataset(await store.get(ref));
}

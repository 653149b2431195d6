import { descriptorOf, featureSize, type Dataset } from '../dataset-format';
import { DatasetCollector } from './collector';
import type { IngestResult } from './ingest-result';

/** Ingest facts for a dataset already in memory (one stored without a profile, or built by code). */
export function profileDataset(dataset: Dataset): IngestResult {
  const size = featureSize(dataset.featureShape);
  const collector = new DatasetCollector({ name: dataset.name, descriptor: descriptorOf(dataset), keepFeatures: false, describe: (at) => `row ${at}` });
  for (let i = 0; i < dataset.labels.length; i++) collector.addRow(dataset.features.subarray(i * size, (i + 1) * size), dataset.labels[i] as string, i + 1);
  // Keep the caller's dataset (with its features): the collector was told not to copy them.
  return { ...collector.finish(), dataset, columns: [], notices: [] };
}

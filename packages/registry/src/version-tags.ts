import { AliasDescription, MLFLOW_TAGS, type ModelRef, type ModelsUri, type RegisterVersionInput } from '@anneal/contracts';
import type { MlflowClient, ModelVersion } from '@anneal/tracking';
import type { z } from 'zod';

/** The tags a registered version carries: everything a later retrain, gate or loader needs to know about it. */
export function versionTags(input: z.output<typeof RegisterVersionInput>): Record<string, string> {
  return {
    ...input.tags,
    [MLFLOW_TAGS.modelDigest]: input.model.digest,
    [MLFLOW_TAGS.modelRef]: JSON.stringify({ ...input.model, version: undefined }),
    ...(input.testSplit ? { [MLFLOW_TAGS.testSplit]: JSON.stringify(input.testSplit) } : {}),
    ...(input.testMetrics ? { [MLFLOW_TAGS.testMetrics]: JSON.stringify(input.testMetrics) } : {}),
  };
}

/** The artifact reference an Anneal-registered version carries, or undefined for a version registered elsewhere. */
export function registeredRef(version: Pick<ModelVersion, 'version' | 'tags'>): ModelRef | undefined {
  const tag = tagOf(version, MLFLOW_TAGS.modelRef);
  return tag ? { ...(JSON.parse(tag) as ModelRef), version: version.version } : undefined;
}

/** An alias's version, read from its tags with one schema (a tag that does not parse is a loud error, not a gap). */
export function describeVersion(version: ModelVersion, alias: string): AliasDescription {
  const json = (key: string): unknown => {
    const value = tagOf(version, key);
    return value === undefined ? undefined : JSON.parse(value);
  };
  return AliasDescription.parse({
    name: version.name,
    alias,
    version: version.version,
    model: registeredRef(version),
    dataset: json(MLFLOW_TAGS.datasetRef),
    contentDigest: tagOf(version, MLFLOW_TAGS.datasetContentDigest),
    testSplit: json(MLFLOW_TAGS.testSplit),
    testMetrics: json(MLFLOW_TAGS.testMetrics),
  });
}

function tagOf(version: Pick<ModelVersion, 'tags'>, key: string): string | undefined {
  return version.tags.find((t) => t.key === key)?.value;
}

/** The version a `models:/` URI names (by number or by alias), or undefined when there is none. */
export async function findModelVersion(mlflow: MlflowClient, uri: ModelsUri): Promise<ModelVersion | undefined> {
  return uri.version !== undefined ? mlflow.getModelVersion(uri.name, uri.version) : mlflow.getModelVersionByAlias(uri.name, uri.alias);
}

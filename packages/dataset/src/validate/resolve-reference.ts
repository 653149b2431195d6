import { ArtifactRef, MLFLOW_TAGS, type ValidationPolicy } from '@anneal/contracts';
import type { MlflowClient } from '@anneal/tracking';

/**
 * The dataset drift is measured against. A `{ model, alias }` reference is looked up in the registry: the
 * version's `anneal.dataset.ref` tag names its training data. No version yet (the first training) or no tag is
 * not an error: there is nothing to drift from, and the note says so.
 */
export async function resolveReference(
  mlflow: MlflowClient,
  reference: ValidationPolicy['reference'],
): Promise<{ ref?: ArtifactRef; note?: string }> {
  if (!reference) return {};
  if (!('model' in reference)) return { ref: reference };
  const version = await mlflow.getModelVersionByAlias(reference.model, reference.alias);
  const label = `${reference.model}@${reference.alias}`;
  if (!version) return { note: `no drift check: ${label} is not registered yet` };
  const tag = version.tags.find((t) => t.key === MLFLOW_TAGS.datasetRef)?.value;
  const parsed = tag ? ArtifactRef.safeParse(JSON.parse(tag)) : undefined;
  if (!parsed?.success) return { note: `no drift check: ${label} (version ${version.version}) does not record its training data` };
  return { ref: parsed.data, note: `drift measured against the data ${label} (version ${version.version}) was trained on` };
}

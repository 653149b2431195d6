import type { ArtifactRef, ValidationPolicy } from '@anneal/contracts';
import { ModelRegistry } from '@anneal/registry';
import type { MlflowClient } from '@anneal/tracking';

/**
 * The dataset drift is measured against. A `{ model, alias }` reference is looked up in the registry: the
 * version's `anneal.dataset.ref` tag names its training data. No version yet (the first training) or no tag is
 * not an error: there is nothing to drift from, and the note says so.
 */
export async function resolveReference(mlflow: MlflowClient, reference: ValidationPolicy['reference']): Promise<{ ref?: ArtifactRef; note?: string }> {
  if (!reference) return {};
  if (!('model' in reference)) return { ref: reference };
  const described = await new ModelRegistry(mlflow).describeAlias(reference.model, reference.alias);
  const label = `${reference.model}@${reference.alias}`;
  if (!described) return { note: `no drift check: ${label} is not registered yet` };
  if (!described.dataset) return { note: `no drift check: ${label} (version ${described.version}) does not record its training data` };
  return { ref: described.dataset, note: `drift measured against the data ${label} (version ${described.version}) was trained on` };
}

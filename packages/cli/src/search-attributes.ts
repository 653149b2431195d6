import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '@anneal/workflows';

/** The operator service of a client's or a worker's connection (the same generated type). */
type OperatorService = Pick<NativeConnection['operatorService'], 'listSearchAttributes' | 'addSearchAttributes'>;

/**
 * Registers Anneal's search attributes in the namespace where missing (a dev server, or a cluster whose operator
 * lets workers do it) and returns the names it added. A namespace that refuses gets one clear error with the
 * commands an operator runs, since a workflow that upserts an unknown attribute would stall on its first task.
 */
export async function ensureSearchAttributes(operator: OperatorService, namespace: string): Promise<string[]> {
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  const missing = Object.values(SEARCH_ATTRIBUTES).filter((k) => customAttributes?.[k.name] === undefined);
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(missing.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type) ?? 0] /* never 0 for a defined key */));
  try {
    await operator.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    const commands = missing.map((k) => `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${titleCase(k.type)}`);
    throw new Error(
      `search attributes ${missing.map((k) => k.name).join(', ')} are not registered in namespace ${namespace} and could not be added ` +
        `(${(err as Error).message}); an operator registers them with:\n  ${commands.join('\n  ')}`,
    );
  }
  return missing.map((k) => k.name);
}

/** `KEYWORD` -> `Keyword`, as the temporal CLI's documentation spells the types. */
function titleCase(type: string): string {
  return type.charAt(0) + type.slice(1).toLowerCase();
}

import { z } from 'zod';

/** A registered model version by URI: `models:/<name>/<version>` or `models:/<name>@<alias>`. */
export type ModelsUri = { name: string; version: string; alias?: undefined } | { name: string; alias: string; version?: undefined };

const MODELS_URI = /^models:\/([^/@]+)(?:\/(\d+)|@([^/@]+))$/;

/** The name and version or alias of a `models:/` URI, or undefined when `uri` is not one. */
export function parseModelsUri(uri: string): ModelsUri | undefined {
  const m = MODELS_URI.exec(uri);
  if (!m) return undefined;
  const [, name, version, alias] = m as unknown as [string, string, string | undefined, string | undefined];
  return version !== undefined ? { name, version } : { name, alias: alias as string };
}

export const ModelsUriString = z.string().refine((uri) => parseModelsUri(uri) !== undefined, {
  message: 'expected models:/<name>@<alias> or models:/<name>/<version>',
});

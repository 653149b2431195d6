import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export type TemporalConnectionOptions = NativeConnectionOptions & { address: string };

const LOCAL_ADDRESS = '127.0.0.1:7233';

/**
 * Temporal's connection settings read the way every Temporal tool reads them (the SDK's `@temporalio/envconfig`):
 * the temporal CLI's config-file profile (`TEMPORAL_CONFIG_FILE`, `TEMPORAL_PROFILE`) under the `TEMPORAL_*`
 * variables: address, namespace, TLS client certificate and key (paths or `_DATA`), server CA, server name, host
 * verification, an API key (which turns TLS on) and gRPC metadata (`TEMPORAL_GRPC_META_*`). With none of them set,
 * the local dev server. A file that cannot be read is one error naming it.
 */
export function loadTemporalConnection(env: NodeJS.ProcessEnv): { connection: TemporalConnectionOptions; namespace: string } {
  const temporalEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('TEMPORAL_') && !!e[1]));
  try {
    const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: temporalEnv });
    return { connection: { ...connectionOptions, address: connectionOptions.address ?? LOCAL_ADDRESS }, namespace: namespace ?? 'default' };
  } catch (err) {
    throw new Error(`invalid configuration: Temporal connection settings: ${(err as Error).message}`);
  }
}

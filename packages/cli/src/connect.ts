import { readFile } from 'node:fs/promises';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { ArtifactStore, MlflowClient } from '@anneal/tracking';
import type { Config } from './config';

async function tlsOf(config: Config): Promise<ConnectionOptions['tls']> {
  if (config.TEMPORAL_TLS_CLIENT_CERT_PATH && config.TEMPORAL_TLS_CLIENT_KEY_PATH) {
    return {
      serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
      clientCertPair: { crt: await readFile(config.TEMPORAL_TLS_CLIENT_CERT_PATH), key: await readFile(config.TEMPORAL_TLS_CLIENT_KEY_PATH) },
    };
  }
  // An API key (Temporal Cloud) implies TLS unless told otherwise.
  return config.TEMPORAL_TLS ?? (config.TEMPORAL_API_KEY ? true : undefined);
}

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, tls: await tlsOf(config), apiKey: config.TEMPORAL_API_KEY });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

export async function connectWorker(config: Config): Promise<NativeConnection> {
  const tls = (await tlsOf(config)) as NativeConnectionOptions['tls'];
  return NativeConnection.connect({ address: config.TEMPORAL_ADDRESS, tls, apiKey: config.TEMPORAL_API_KEY });
}

export function mlflowOf(config: Config): { mlflow: MlflowClient; artifacts: ArtifactStore } {
  const mlflow = new MlflowClient({
    trackingUri: config.MLFLOW_TRACKING_URI,
    auth: { username: config.MLFLOW_TRACKING_USERNAME, password: config.MLFLOW_TRACKING_PASSWORD, token: config.MLFLOW_TRACKING_TOKEN },
  });
  return { mlflow, artifacts: new ArtifactStore({ client: mlflow, cacheDir: config.cacheDir }) };
}

/** A client for one command, its connection closed whatever the command does. */
export async function withClient<T>(config: Config, body: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(config);
  try {
    return await body(client);
  } finally {
    await client.connection.close();
  }
}

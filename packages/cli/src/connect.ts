import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ArtifactStore, MlflowClient } from '@anneal/tracking';
import type { Config } from './config';
import { tlsHandshakeFailure } from './tls-diagnosis';

export async function connectClient(config: Config): Promise<Client> {
  const connection = await explained(config, Connection.connect(config.temporalConnection));
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

export async function connectWorker(config: Config): Promise<NativeConnection> {
  return explained(config, NativeConnection.connect(config.temporalConnection));
}

/** A failed connection says where it went and, over TLS, why the handshake failed. */
async function explained<T>(config: Config, connecting: Promise<T>): Promise<T> {
  try {
    return await connecting;
  } catch (err) {
    const address = config.temporalConnection.address;
    const handshake = await tlsHandshakeFailure(config.temporalConnection);
    const tls = handshake ? ` (TLS: ${handshake})` : '';
    throw new Error(`cannot connect to Temporal at ${address}${tls}`, { cause: err });
  }
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

import { loadClientConnectConfig } from '@temporalio/envconfig';
import { Client, Connection } from '@temporalio/client';
import { dataConverter } from '../payloads/data-converter';

/**
 * Connection settings the Temporal way: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS_*, a TOML profile (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE). The same code reaches
 * the dev server, a self-hosted cluster or Temporal Cloud.
 */
export function temporalConnectConfig(): {
  address: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
} {
  const config = loadClientConnectConfig();
  return {
    address: config.connectionOptions.address ?? 'localhost:7233',
    namespace: config.namespace ?? 'default',
    connectionOptions: config.connectionOptions,
  };
}

export async function connectClient(): Promise<Client> {
  const config = temporalConnectConfig();
  const connection = await Connection.connect({ ...config.connectionOptions, address: config.address });
  return new Client({ connection, namespace: config.namespace, dataConverter });
}

import { loadClientConnectConfig } from '@temporalio/envconfig';
import { Client, Connection } from '@temporalio/client';
import { clientDataConverter } from '../payloads/client-data-converter';
import type * as TracingModule from '../../workers/tracing';

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

/**
 * A client for the CLI. With OTEL_EXPORTER_OTLP_ENDPOINT set, each start, signal and update is a
 * span whose context travels to the workflow: the root of that change's trace (workers/tracing.ts,
 * loaded only then, so the CLI starts as fast as before without it).
 */
export async function connectClient(): Promise<Client> {
  const config = temporalConnectConfig();
  const connection = await Connection.connect({ ...config.connectionOptions, address: config.address });
  const otlp = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  // require, not import(): the CLI runs its TypeScript through tsx's CommonJS hooks, which do not
  // resolve import() of a source file; this loads the OpenTelemetry stack only when it is wanted.
  const tracing = otlp
    ? // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('../../workers/tracing') as typeof TracingModule)
    : undefined;
  const interceptors = tracing?.tracingConfigured() ? tracing.clientTracing().clientInterceptors : {};
  return new Client({
    connection,
    namespace: config.namespace,
    dataConverter: clientDataConverter,
    interceptors,
  });
}

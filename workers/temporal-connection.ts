import { NativeConnection } from '@temporalio/worker';
import { temporalConnectConfig } from '../src/client/connection';
import { PreconditionError } from './preflight/precondition-error';

/** A worker process's connection, the Temporal way (envconfig); unreachable is a precondition. */
export async function connectWorker(): Promise<{
  readonly connection: NativeConnection;
  readonly address: string;
  readonly namespace: string;
}> {
  const temporal = temporalConnectConfig();
  const connection = await NativeConnection.connect({
    ...temporal.connectionOptions,
    address: temporal.address,
  }).catch((err: Error) => {
    throw new PreconditionError(
      `cannot reach Temporal at ${temporal.address} (${err.message}). Start it (npm run demo starts a dev server), or point TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TEMPORAL_TLS_*, TEMPORAL_API_KEY) at yours.`,
    );
  });
  return { connection, address: temporal.address, namespace: temporal.namespace };
}

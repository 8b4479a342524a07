import { NativeConnection } from '@temporalio/worker';
import { PowerDnsClient } from '../activities/powerdns/client';
import { createPolicySource } from '../activities/policy/policy-store';
import { createDirectorySource } from '../activities/approvals/directory-store';
import { temporalConnectConfig } from '../src/client/connection';
import { loadWorkerConfig } from './config';
import { connectRegistry } from '../activities/epp/registry-connection';
import { createChangeWorker } from './create-worker';
import { createLogger } from './logger';
import { installRuntime } from './runtime';
import { PreconditionError } from './preflight/precondition-error';
import { runMain } from './preflight/run-main';
import { requireSearchAttributes } from './preflight/search-attributes';

/** Worker process: connects the Temporal way, serves the change workflow and its activities. */
async function main(): Promise<void> {
  const logger = createLogger();
  installRuntime(logger);
  const config = loadWorkerConfig();
  const temporal = temporalConnectConfig();
  const connection = await NativeConnection.connect({
    ...temporal.connectionOptions,
    address: temporal.address,
  }).catch((err: Error) => {
    throw new PreconditionError(
      `cannot reach Temporal at ${temporal.address} (${err.message}). Start it (npm run demo starts a dev server), or point TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TEMPORAL_TLS_*, TEMPORAL_API_KEY) at yours.`,
    );
  });
  await requireSearchAttributes(connection, temporal.namespace);
  const registry = config.registry === undefined ? undefined : connectRegistry(config.registry, logger);
  const worker = await createChangeWorker({
    connection,
    namespace: temporal.namespace,
    taskQueue: config.taskQueue,
    ...(config.approversPath === undefined ? {} : { directory: createDirectorySource(config.approversPath) }),
    deps: {
      powerdns: new PowerDnsClient(config.pdns),
      verifyServers: config.verifyServers,
      ...(registry === undefined ? {} : { registry: registry.port }),
      logger,
      policy: createPolicySource(config.policyPath),
      ...(config.escalationWebhook === undefined ? {} : { escalationWebhook: config.escalationWebhook }),
      ...(config.evidenceDir === undefined ? {} : { evidenceDir: config.evidenceDir }),
    },
  });
  logger.info(
    { address: temporal.address, namespace: temporal.namespace, taskQueue: config.taskQueue },
    'worker started',
  );
  await worker.run();
  await registry?.close();
  await connection.close();
}

runMain('worker', main);

import type { Worker } from '@temporalio/worker';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { EvidenceStore } from '../activities/evidence/evidence-store';
import type { SigningKey } from '../src/evidence/signing';
import { evidenceStoreFromEnv } from './evidence-config';
import { loadSigningKey } from './evidence-key';
import { createEvidenceWorker } from './evidence-worker';
import { PowerDnsClient } from '../activities/powerdns/client';
import { createPolicySource } from '../activities/policy/policy-store';
import { createDirectorySource } from '../activities/approvals/directory-store';
import { temporalConnectConfig } from '../src/client/connection';
import { loadWorkerConfig } from './config';
import { connectRegistry } from '../activities/epp/registry-connection';
import { createChangeWorker } from './create-worker';
import { createLogger } from './logger';
import { installRuntime } from './runtime';
import { workerTracing } from './tracing';
import { PreconditionError } from './preflight/precondition-error';
import { runMain } from './preflight/run-main';
import { requireSearchAttributes } from './preflight/search-attributes';

/** Worker process: connects the Temporal way, serves the change workflow and its activities. */
async function main(): Promise<void> {
  const logger = createLogger();
  const config = loadWorkerConfig();
  installRuntime(
    logger,
    config.metricsAddress === undefined ? {} : { metricsAddress: config.metricsAddress },
  );
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
  const exporter = await startExporter(connection, temporal.namespace, config.taskQueue, logger);
  logger.info(
    {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      metrics: config.metricsAddress === undefined ? 'off' : `http://${config.metricsAddress}/metrics`,
      evidence: exporter === undefined ? 'sealed by another exporter' : exporter.description,
    },
    'worker started',
  );
  await (exporter === undefined ? worker.run() : Promise.all([worker.run(), exporter.worker.run()]));
  await registry?.close();
  // The process exits right after: spans still buffered go out now.
  await workerTracing().shutdown();
  await connection.close();
}

/**
 * The evidence exporter runs in this process when it holds the evidence key
 * (COUNTERSIGN_EVIDENCE_KEY_FILE); a deployment that keeps the key elsewhere runs it there, and
 * closed changes wait for it, unsealed, meanwhile.
 */
async function startExporter(
  connection: NativeConnection,
  namespace: string,
  taskQueue: string,
  logger: Logger,
): Promise<{ worker: Worker; description: string } | undefined> {
  const keyFile = process.env.COUNTERSIGN_EVIDENCE_KEY_FILE;
  if (keyFile === undefined || keyFile === '') {
    logger.warn(
      'no evidence key (COUNTERSIGN_EVIDENCE_KEY_FILE): this process does not seal closed changes; run an exporter that holds the key',
    );
    return undefined;
  }
  let key: SigningKey;
  let store: EvidenceStore | null;
  try {
    key = loadSigningKey(keyFile);
    store = await evidenceStoreFromEnv(process.env);
  } catch (err) {
    throw new PreconditionError(`evidence exporter: ${(err as Error).message}`);
  }
  if (store === null)
    throw new PreconditionError(
      'evidence exporter: COUNTERSIGN_EVIDENCE_KEY_FILE is set but no store is: set COUNTERSIGN_EVIDENCE_S3_BUCKET (an Object Lock bucket) or COUNTERSIGN_EVIDENCE_STORE_DIR (a write-once folder)',
    );
  const worker = await createEvidenceWorker({ connection, namespace, taskQueue, key, store, logger });
  return { worker, description: `sealed with ${key.keyId} into ${store.description}` };
}

runMain('worker', main);

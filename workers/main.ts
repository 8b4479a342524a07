import path from 'node:path';
import { PowerDnsClient } from '../activities/powerdns/client';
import { memoryLedger, openFolderLedger } from '../activities/notify/delivery-ledger';
import { packageRoot } from '../activities/package-root';
import { createPolicySource } from '../activities/policy/policy-store';
import { createDirectorySource } from '../activities/approvals/directory-store';
import { loadWorkerConfig } from './config';
import { connectRegistry } from '../activities/epp/registry-connection';
import { createChangeWorker, defaultMaxCachedWorkflows } from './create-worker';
import { heapLimitAdvice } from './process-memory';
import { prebuiltWorkflowBundle } from './prebuilt-bundle';
import { createLogger } from './logger';
import { installRuntime } from './runtime';
import { workerTracing } from './tracing';
import { PreconditionError } from './preflight/precondition-error';
import { runMain } from './preflight/run-main';
import { connectWorker } from './temporal-connection';
import { requireSearchAttributes } from './preflight/search-attributes';

/** Worker process: connects the Temporal way, serves the change workflow and its activities. */
async function main(): Promise<void> {
  const logger = createLogger();
  const config = loadWorkerConfig();
  installRuntime(
    logger,
    config.metricsAddress === undefined ? {} : { metricsAddress: config.metricsAddress },
  );
  if (
    process.env.COUNTERSIGN_EVIDENCE_KEY_FILE !== undefined &&
    process.env.COUNTERSIGN_EVIDENCE_KEY_FILE !== ''
  )
    throw new PreconditionError(
      'worker configuration: COUNTERSIGN_EVIDENCE_KEY_FILE is set, but the evidence key belongs to the exporter alone, not to a worker holding DNS and registry credentials. Unset it here and run `npm run exporter` with it (and the evidence store settings).',
    );
  const temporal = await connectWorker();
  const { connection } = temporal;
  await requireSearchAttributes(connection, temporal.namespace);
  const registry = config.registry === undefined ? undefined : connectRegistry(config.registry, logger);
  const ledgerDir = config.notificationLedgerDir ?? path.join(packageRoot, '.data', 'notification-ledger');
  // A ledger that cannot be opened must not keep the worker from running: notifications then
  // survive retries within this process only, and the log says how to fix it.
  const notificationLedger = await openFolderLedger(ledgerDir).catch((err: Error) => {
    logger.warn(
      { ledgerDir, err: err.message },
      'the notification ledger folder cannot be used; a retry after a restart may send a notification twice. Point COUNTERSIGN_NOTIFICATION_LEDGER at a writable folder',
    );
    return memoryLedger();
  });
  const prebuilt = prebuiltWorkflowBundle();
  if ('reason' in prebuilt)
    logger.info(
      { reason: prebuilt.reason },
      'bundling the workflow code before polling (npm run build makes starts and restarts immediate)',
    );
  const worker = await createChangeWorker({
    ...('path' in prebuilt ? { workflowBundlePath: prebuilt.path } : {}),
    connection,
    namespace: temporal.namespace,
    taskQueue: config.taskQueue,
    ...(config.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: config.maxCachedWorkflows }),
    ...(config.approversPath === undefined ? {} : { directory: createDirectorySource(config.approversPath) }),
    deps: {
      powerdns: new PowerDnsClient(config.pdns),
      verifyServers: config.verifyServers,
      ...(registry === undefined ? {} : { registry: registry.port }),
      logger,
      policy: createPolicySource(config.policyPath),
      ...(config.escalationWebhook === undefined ? {} : { escalationWebhook: config.escalationWebhook }),
      ...(config.chatWebhook === undefined ? {} : { chatWebhook: config.chatWebhook }),
      ...(config.evidenceDir === undefined ? {} : { evidenceDir: config.evidenceDir }),
      notificationLedger,
    },
  });
  const heap = heapLimitAdvice();
  if (heap.advice !== undefined) logger.warn({ heapLimitMiB: heap.heapLimitMiB }, heap.advice);
  logger.info(
    {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      metrics: config.metricsAddress === undefined ? 'off' : `http://${config.metricsAddress}/metrics`,
      evidence: 'closed changes ask the exporter (npm run exporter) to seal them',
      notificationLedger: ledgerDir,
      workflowCode: 'path' in prebuilt ? 'prebuilt bundle (npm run build)' : 'bundled at start',
      maxCachedWorkflows: config.maxCachedWorkflows ?? defaultMaxCachedWorkflows,
      heapLimitMiB: heap.heapLimitMiB,
    },
    'worker started',
  );
  await worker.run();
  await registry?.close();
  // The process exits right after: spans still buffered go out now.
  await workerTracing().shutdown();
  await connection.close();
}

runMain('worker', main);

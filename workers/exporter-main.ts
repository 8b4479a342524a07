import type { EvidenceStore } from '../activities/evidence/evidence-store';
import type { SigningKey } from '../src/evidence/signing';
import { evidenceStoreFromEnv } from './evidence-config';
import { loadSigningKey } from './evidence-key';
import { createEvidenceWorker } from './evidence-worker';
import { prebuiltWorkflowBundle } from './prebuilt-bundle';
import { createLogger } from './logger';
import { PreconditionError } from './preflight/precondition-error';
import { runMain } from './preflight/run-main';
import { installRuntime } from './runtime';
import { connectWorker } from './temporal-connection';
import { workerTracing } from './tracing';

/**
 * The evidence exporter (`npm run exporter`): the only process that holds the evidence key. It
 * runs the deployment's ledger and seals each closed change into the evidence store; it needs no
 * DNS or registry credentials, and the workers that have those never see the key.
 */
async function main(): Promise<void> {
  const logger = createLogger().child({ component: 'evidence-exporter' });
  installRuntime(logger);
  const keyFile = process.env.COUNTERSIGN_EVIDENCE_KEY_FILE;
  if (keyFile === undefined || keyFile === '')
    throw new PreconditionError(
      "evidence exporter: COUNTERSIGN_EVIDENCE_KEY_FILE is not set. Create a key with 'npx countersign keys generate --dir <dir>' and point the variable at it.",
    );
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
      'evidence exporter: no store is configured: set COUNTERSIGN_EVIDENCE_S3_BUCKET (an Object Lock bucket) or COUNTERSIGN_EVIDENCE_STORE_DIR (a write-once folder)',
    );
  const taskQueue = process.env.COUNTERSIGN_TASK_QUEUE ?? 'countersign';
  const { connection, address, namespace } = await connectWorker();
  const prebuilt = prebuiltWorkflowBundle();
  const worker = await createEvidenceWorker({
    connection,
    namespace,
    taskQueue,
    key,
    store,
    logger,
    ...('path' in prebuilt ? { workflowBundlePath: prebuilt.path } : {}),
  });
  logger.info(
    { address, namespace, taskQueue, keyId: key.keyId, store: store.description },
    'evidence exporter started: closed changes of this task queue are sealed into the store',
  );
  await worker.run();
  await workerTracing().shutdown();
  await connection.close();
}

runMain('exporter', main);

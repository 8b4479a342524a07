import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { EvidenceStore } from '../activities/evidence/evidence-store';
import { createSealActivities } from '../activities/evidence/seal-activities';
import { evidenceTaskQueueOf } from '../src/evidence/ledger-protocol';
import type { SigningKey } from '../src/evidence/signing';
import { dataConverter } from '../src/payloads/data-converter';

export interface EvidenceWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace?: string;
  /** The deployment's task queue; the exporter polls `<taskQueue>.evidence`. */
  readonly taskQueue: string;
  readonly key: SigningKey;
  readonly store: EvidenceStore;
  readonly logger: Logger;
  readonly workflowBundlePath?: string;
}

/**
 * The exporter: the only worker holding the evidence key. It runs the deployment's ledger
 * workflow and seals each closed change from its history into the evidence store.
 */
export function createEvidenceWorker(options: EvidenceWorkerOptions): Promise<Worker> {
  const namespace = options.namespace ?? 'default';
  const client = new Client({ connection: options.connection, namespace, dataConverter });
  return Worker.create({
    connection: options.connection,
    namespace,
    taskQueue: evidenceTaskQueueOf(options.taskQueue),
    dataConverter,
    ...(options.workflowBundlePath === undefined
      ? { workflowsPath: require.resolve('../workflows') }
      : { workflowBundle: { codePath: options.workflowBundlePath } }),
    activities: createSealActivities({
      client,
      store: options.store,
      key: options.key,
      logger: options.logger.child({ component: 'evidence-exporter' }),
    }),
  });
}

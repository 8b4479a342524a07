import { Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { EvidenceStore } from '../activities/evidence/evidence-store';
import { createSealActivities } from '../activities/evidence/seal-activities';
import { evidenceTaskQueueOf } from '../src/evidence/ledger-protocol';
import type { SigningKey } from '../src/evidence/signing';
import type { WorkerPlumbingOptions } from './worker-plumbing';
import { workerPlumbing } from './worker-plumbing';

export interface EvidenceWorkerOptions extends WorkerPlumbingOptions {
  /** The deployment's task queue; the exporter polls `<taskQueue>.evidence`. */
  readonly taskQueue: string;
  readonly key: SigningKey;
  readonly store: EvidenceStore;
  readonly logger: Logger;
}

/**
 * The exporter: the only worker holding the evidence key. It runs the deployment's ledger
 * workflow and seals each closed change from its history into the evidence store.
 */
export function createEvidenceWorker(options: EvidenceWorkerOptions): Promise<Worker> {
  const { client, base } = workerPlumbing(options);
  return Worker.create({
    ...base,
    taskQueue: evidenceTaskQueueOf(options.taskQueue),
    activities: createSealActivities({
      client,
      store: options.store,
      key: options.key,
      logger: options.logger.child({ component: 'evidence-exporter' }),
    }),
  });
}

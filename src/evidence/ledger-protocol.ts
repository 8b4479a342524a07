import { z } from 'zod';
import type { LedgerHead } from './ledger';

/**
 * The evidence ledger's messages. One ledger per deployment (task queue); its exporter runs on
 * its own task queue, so the evidence key can live with a separate worker, away from the workers
 * that touch DNS and registries.
 */
export const ledgerWorkflowIdOf = (taskQueue: string) => `countersign-ledger/${taskQueue}`;
export const evidenceTaskQueueOf = (taskQueue: string) => `${taskQueue}.evidence`;

export const SealRequestSchema = z
  .object({
    workflowId: z.string().min(1).max(512),
    runId: z.string().min(1).max(128),
  })
  .strict();
export type SealRequest = z.infer<typeof SealRequestSchema>;

export interface LedgerInput {
  readonly head: LedgerHead | null;
  readonly pending: readonly SealRequest[];
  readonly unsealed?: readonly Unsealed[];
  /** Continue-as-new past this many history events (default 4,000; tests lower it). */
  readonly historyLimit?: number;
}

/** A change the exporter could not seal, and why: shown by the ledger's status query. */
export interface Unsealed {
  readonly request: SealRequest;
  readonly reason: string;
}

export interface LedgerStatus {
  readonly head: LedgerHead | null;
  readonly pending: number;
  readonly unsealed: readonly Unsealed[];
}

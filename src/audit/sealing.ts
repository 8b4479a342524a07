import type { ChangeRecord } from './change-record';

/**
 * Audit over the ledger: whether each closed change's evidence is anchored in the verified ledger.
 * A closed change the ledger does not anchor was never sealed, or its entry is gone: either way an
 * auditor looks at it. A ledger that does not verify (or a store showing tampering) is said first.
 */
export interface SealState {
  readonly index: number;
  readonly digest: string;
}

/** What the evidence store says: the anchored runs, or why it cannot say. */
export type Sealing =
  | { readonly store: string; readonly runs: ReadonlyMap<string, SealState> }
  | { readonly store: string; readonly problem: string };

export interface SealingSummary {
  readonly store: string;
  /** Why sealing could not be checked (no keyring, a broken ledger, tampering); null when it was. */
  readonly problem: string | null;
  readonly closed: number;
  readonly sealed: number;
  /** Closed changes the ledger does not anchor, by workflow id. */
  readonly unsealed: readonly string[];
}

export const sealLookupKey = (r: Pick<ChangeRecord, 'workflowId' | 'runId'>) =>
  `${r.workflowId}/${r.runId ?? ''}`;

/** The ledger entry of a closed record; null when the ledger does not anchor it; undefined when unknown. */
export function sealOf(sealing: Sealing | null, r: ChangeRecord): SealState | null | undefined {
  if (sealing === null || !('runs' in sealing) || !r.final) return undefined;
  return sealing.runs.get(sealLookupKey(r)) ?? null;
}

export function sealingSummary(records: readonly ChangeRecord[], sealing: Sealing): SealingSummary {
  const closed = records.filter((r) => r.final);
  if ('problem' in sealing)
    return { store: sealing.store, problem: sealing.problem, closed: closed.length, sealed: 0, unsealed: [] };
  const unsealed = closed.filter((r) => sealOf(sealing, r) === null).map((r) => r.workflowId);
  return {
    store: sealing.store,
    problem: null,
    closed: closed.length,
    sealed: closed.length - unsealed.length,
    unsealed,
  };
}

export function renderSealing(summary: SealingSummary | null): string {
  if (summary === null)
    return 'Sealed evidence: not checked (no evidence store configured: --store, COUNTERSIGN_EVIDENCE_STORE_DIR or COUNTERSIGN_EVIDENCE_S3_BUCKET)';
  if (summary.problem !== null) return `Sealed evidence: NOT CHECKED in ${summary.store}: ${summary.problem}`;
  const head = `Sealed evidence: ${summary.sealed} of ${summary.closed} closed change(s) anchored in the verified ledger in ${summary.store}`;
  if (summary.unsealed.length === 0) return head;
  return [
    `${head}; NOT SEALED (${summary.unsealed.length}): look at these (a change is sealed moments after it closes):`,
    ...summary.unsealed.map((id) => `  ${id}`),
  ].join('\n');
}

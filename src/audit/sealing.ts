import type { ChangeRecord } from './change-record';

/**
 * Audit over the ledger: whether each closed change's evidence was sealed, from the seal marks the
 * exporter writes last (so a mark means bundle and ledger entry are there). A closed change
 * without one was never sealed, or its mark was removed: either way an auditor looks at it.
 */
export interface SealState {
  readonly index: number;
  readonly digest: string;
}

export interface SealingSummary {
  readonly store: string;
  readonly closed: number;
  readonly sealed: number;
  /** Closed changes with no seal mark, by workflow id. */
  readonly unsealed: readonly string[];
}

export const sealLookupKey = (r: Pick<ChangeRecord, 'workflowId' | 'runId'>) =>
  `${r.workflowId}/${r.runId ?? ''}`;

export function sealingSummary(
  records: readonly ChangeRecord[],
  seals: ReadonlyMap<string, SealState | null>,
  store: string,
): SealingSummary {
  const closed = records.filter((r) => r.final);
  const unsealed = closed
    .filter((r) => (seals.get(sealLookupKey(r)) ?? null) === null)
    .map((r) => r.workflowId);
  return { store, closed: closed.length, sealed: closed.length - unsealed.length, unsealed };
}

export function renderSealing(summary: SealingSummary | null): string {
  if (summary === null)
    return 'Sealed evidence: not checked (no evidence store configured: --store, COUNTERSIGN_EVIDENCE_STORE_DIR or COUNTERSIGN_EVIDENCE_S3_BUCKET)';
  const head = `Sealed evidence: ${summary.sealed} of ${summary.closed} closed change(s) sealed in ${summary.store}`;
  if (summary.unsealed.length === 0) return head;
  return [
    `${head}; NOT SEALED (${summary.unsealed.length}): look at these (a change is sealed moments after it closes):`,
    ...summary.unsealed.map((id) => `  ${id}`),
  ].join('\n');
}

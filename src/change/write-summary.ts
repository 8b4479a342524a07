/** What a write step (`execute`, or the rollback's) found and did, in the evidence's words. */
export interface WriteOutcome {
  readonly outcome: 'applied' | 'already_applied' | 'stale';
  readonly acknowledgementLost?: 'stamp' | 'earlier_attempt';
}

/**
 * The evidence summary of a write step. Says who wrote what is live: this change ("applied",
 * "applied, acknowledgement lost" with how that is known) or someone else ("already there").
 */
export function writeSummary(step: 'execute' | 'rollback', result: WriteOutcome): string {
  if (result.outcome === 'stale') return `${step}: live state moved; nothing written`;
  if (result.outcome === 'already_applied')
    return `${step}: already there, written by someone else; nothing written`;
  if (result.acknowledgementLost === 'stamp')
    return `${step}: applied, acknowledgement lost (this write's own stamp is on the records)`;
  if (result.acknowledgementLost === 'earlier_attempt')
    return `${step}: applied, acknowledgement lost (inferred: an earlier attempt of this write ran, and the provider keeps no author)`;
  return `${step}: applied`;
}

import { hashOf } from '../hash';

/**
 * Append-only, hash-chained evidence. `decision` entries record what was decided and why;
 * `operation` entries record what was done to which system. Each entry's hash covers its content
 * and the previous hash, so any edit, removal or reordering breaks the chain.
 */
export type EvidenceStream = 'decision' | 'operation';

export interface EvidenceInput {
  readonly stream: EvidenceStream;
  readonly step: string;
  readonly actor: string;
  readonly summary: string;
  readonly data?: unknown;
}

export interface EvidenceEntry extends EvidenceInput {
  readonly seq: number;
  readonly at: string;
  readonly prevHash: string;
  readonly hash: string;
}

export const genesisHash = '0'.repeat(64);

function entryHash(entry: Omit<EvidenceEntry, 'hash'>): string {
  return hashOf(entry);
}

export function appendEvidence(
  chain: readonly EvidenceEntry[],
  input: EvidenceInput,
  at: Date,
): EvidenceEntry {
  const last = chain[chain.length - 1];
  const body = { ...input, seq: chain.length, at: at.toISOString(), prevHash: last?.hash ?? genesisHash };
  return { ...body, hash: entryHash(body) };
}

export type ChainCheck =
  { ok: true; head: string; length: number } | { ok: false; seq: number; problem: string };

export function verifyChain(chain: readonly EvidenceEntry[]): ChainCheck {
  let prev = genesisHash;
  for (const [index, entry] of chain.entries()) {
    if (entry.seq !== index)
      return { ok: false, seq: index, problem: `sequence number ${entry.seq} where ${index} was expected` };
    if (entry.prevHash !== prev)
      return { ok: false, seq: index, problem: 'does not link to the previous entry' };
    const { hash, ...body } = entry;
    if (entryHash(body) !== hash)
      return { ok: false, seq: index, problem: 'content does not match its hash' };
    prev = hash;
  }
  return { ok: true, head: prev, length: chain.length };
}

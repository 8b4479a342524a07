import { z } from 'zod';
import { hashOf } from '../hash';
import { canonicalBytes } from './bundle';
import { parseCanonical } from './canonical-parse';
import type { Signature, SigningKey, TrustedKey } from './signing';
import { checkSignature, signatureSchema, signBytes } from './signing';

/**
 * The deployment-wide ledger: one entry per sealed bundle, each linking to the one before, each
 * carrying a signature over its own hash. The newest entry is the signed head: it commits to every
 * bundle sealed so far, so deleting, replacing or reordering a whole bundle, or an entry, shows.
 */
export const ledgerFormat = 'countersign.ledger-entry/1';
export const ledgerGenesis = '0'.repeat(64);

export interface LedgerEntryBody {
  readonly format: typeof ledgerFormat;
  readonly index: number;
  readonly prevHash: string;
  readonly bundle: { readonly key: string; readonly digest: string };
  readonly change: { readonly workflowId: string; readonly runId: string; readonly closedAt: string };
}

export interface LedgerEntry extends LedgerEntryBody {
  readonly hash: string;
  /** Over the canonical `{ format, index, hash }`: the head as of this entry. */
  readonly signature: Signature;
}

export interface LedgerHead {
  readonly index: number;
  readonly hash: string;
}

function headStatement(index: number, hash: string) {
  return { format: 'countersign.ledger-head/1', index, hash };
}

export function appendLedgerEntry(
  head: LedgerHead | null,
  bundle: LedgerEntryBody['bundle'],
  change: LedgerEntryBody['change'],
  key: SigningKey,
): LedgerEntry {
  const body: LedgerEntryBody = {
    format: ledgerFormat,
    index: head === null ? 0 : head.index + 1,
    prevHash: head?.hash ?? ledgerGenesis,
    bundle,
    change,
  };
  const hash = hashOf(body);
  return { ...body, hash, signature: signBytes(canonicalBytes(headStatement(body.index, hash)), key) };
}

const entrySchema = z.object({
  format: z.literal(ledgerFormat),
  index: z.number().int().nonnegative(),
  prevHash: z.string(),
  bundle: z.object({ key: z.string(), digest: z.string() }),
  change: z.object({ workflowId: z.string(), runId: z.string(), closedAt: z.string() }),
  hash: z.string(),
  signature: signatureSchema,
});

export function parseLedgerEntry(bytes: Uint8Array): LedgerEntry | string {
  const json = parseCanonical(bytes);
  if (!json.ok) return json.problem;
  // Strict: a field the hash does not cover would be a field nobody checks.
  const parsed = entrySchema.strict().safeParse(json.value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
}

export type LedgerCheck =
  | { readonly ok: true; readonly head: LedgerHead | null; readonly length: number }
  | { readonly ok: false; readonly index: number; readonly problem: string };

/** Checks entries 0..n in order: positions, links, hashes and every head signature. */
export function verifyLedger(entries: readonly LedgerEntry[], trusted: readonly TrustedKey[]): LedgerCheck {
  let prev = ledgerGenesis;
  for (const [position, entry] of entries.entries()) {
    if (entry.index !== position)
      return {
        ok: false,
        index: position,
        problem: `entry ${entry.index} stands where ${position} belongs (an entry is missing or moved)`,
      };
    if (entry.prevHash !== prev)
      return { ok: false, index: position, problem: 'does not link to the entry before it' };
    const { hash, signature, ...body } = entry;
    if (hashOf(body) !== hash)
      return { ok: false, index: position, problem: 'its content does not match its hash' };
    const verdict = checkSignature(canonicalBytes(headStatement(entry.index, hash)), signature, trusted);
    if (verdict !== 'valid')
      return {
        ok: false,
        index: position,
        problem:
          verdict === 'unknown_key'
            ? `signed by ${signature.keyId}, not in the keyring`
            : 'its head signature does not verify',
      };
    prev = hash;
  }
  const last = entries[entries.length - 1];
  return {
    ok: true,
    head: last === undefined ? null : { index: last.index, hash: last.hash },
    length: entries.length,
  };
}

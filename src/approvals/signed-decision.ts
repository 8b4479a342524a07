import { z } from 'zod';
import { canonicalJson } from '../hash';

/**
 * A decision signed by an approver's private key (ed25519). The signature covers the canonical
 * JSON of the payload, which binds it to one workflow, one plan, one decision, a validity window
 * and a single-use nonce: it cannot be replayed elsewhere or later.
 */
export const SignedDecisionPayload = z.strictObject({
  v: z.literal(1),
  workflowId: z.string().min(1).max(200),
  // A prefix is well-formed and can be signed: the change then refuses it (plan_hash_mismatch) and
  // records the attempt, since only the full hash of the pending plan ever counts.
  planHash: z
    .string()
    .regex(/^[0-9a-f]{8,64}$/, '8 to 64 lowercase hex characters (the plan hash you reviewed)'),
  decision: z.enum(['approve', 'reject']),
  reason: z.string().max(2000),
  principal: z.string().trim().min(1).max(128),
  keyId: z.string().min(1).max(80),
  issuedAt: z.iso.datetime({ offset: true }),
  expiresAt: z.iso.datetime({ offset: true }),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, '16-64 base64url characters'),
});

export const SignedDecision = z.strictObject({
  payload: SignedDecisionPayload,
  /** ed25519 signature of `signingText(payload)`, base64. */
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'a base64 ed25519 signature (88 characters)'),
});

export type SignedDecisionPayload = z.infer<typeof SignedDecisionPayload>;
export type SignedDecision = z.infer<typeof SignedDecision>;

/** The exact text that is signed and verified. */
export function signingText(payload: SignedDecisionPayload): string {
  return `countersign-decision-v1\n${canonicalJson(payload)}`;
}

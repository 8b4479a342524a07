import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { z } from 'zod';
import type { SignedDecision, SignedDecisionPayload } from '../approvals/signed-decision';
import { signingText } from '../approvals/signed-decision';

/**
 * An approver's key file, as `countersign keygen` writes it (mode 0600): who it belongs to, the
 * key id registered in the directory, and the ed25519 private key in PKCS#8 PEM.
 */
export const ApproverKeyFile = z.strictObject({
  principal: z.string().min(1),
  keyId: z.string().min(1),
  privateKeyPem: z.string().includes('BEGIN PRIVATE KEY'),
  publicKey: z.string(),
});
export type ApproverKeyFile = z.infer<typeof ApproverKeyFile>;

export function generateApproverKey(principal: string, keyId: string): ApproverKeyFile {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  return {
    principal,
    keyId,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: raw.toString('base64'),
  };
}

/** Signs a decision for one workflow and plan, valid for `validForSeconds` from now. */
export function signDecision(
  key: ApproverKeyFile,
  decision: { workflowId: string; planHash: string; decision: 'approve' | 'reject'; reason: string },
  validForSeconds = 600,
  now: Date = new Date(),
): SignedDecision {
  const payload: SignedDecisionPayload = {
    v: 1,
    ...decision,
    principal: key.principal,
    keyId: key.keyId,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + validForSeconds * 1000).toISOString(),
    nonce: randomBytes(18).toString('base64url'),
  };
  const signature = sign(
    null,
    Buffer.from(signingText(payload), 'utf8'),
    createPrivateKey(key.privateKeyPem),
  ).toString('base64');
  return { payload, signature };
}

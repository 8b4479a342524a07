import { createHash, createPublicKey, verify } from 'node:crypto';
import type { Identity } from '../../src/approvals/directory';
import { identify } from '../../src/approvals/directory';
import type { SignedDecision } from '../../src/approvals/signed-decision';
import { signingText } from '../../src/approvals/signed-decision';
import type { DirectorySource } from './directory-store';

/** An ed25519 SubjectPublicKeyInfo prefix: the raw 32-byte key follows it. */
const ed25519SpkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

export type VerifiedDecision =
  | {
      readonly ok: true;
      readonly principal: string;
      readonly roles: readonly string[];
      /** Scopes the person may override (globs); absent: every scope. */
      readonly scopes?: readonly string[];
      readonly keyId: string;
      readonly signatureDigest: string;
    }
  | {
      readonly ok: false;
      readonly code:
        'unknown_principal' | 'service_principal' | 'unknown_key' | 'bad_signature' | 'wrong_workflow';
      readonly message: string;
    };

export interface ApprovalActivityDeps {
  readonly directory: DirectorySource;
}

/** Identity checks against the approver directory. Verification is I/O and crypto, so it is an activity. */
export function createApprovalActivities(deps: ApprovalActivityDeps) {
  return {
    /** Verifies a signed decision: known human, their key, a valid signature over this workflow's payload. */
    async verifySignedDecision(signed: SignedDecision, workflowId: string): Promise<VerifiedDecision> {
      const p = signed.payload;
      if (p.workflowId !== workflowId)
        return { ok: false, code: 'wrong_workflow', message: `signed for ${p.workflowId}, not this change` };
      const directory = await deps.directory();
      const who = identify(directory, p.principal);
      if (who.kind === 'service')
        return {
          ok: false,
          code: 'service_principal',
          message: `${p.principal} is a service principal and may never approve`,
        };
      if (who.kind === 'unknown')
        return {
          ok: false,
          code: 'unknown_principal',
          message: `${p.principal} is not in the approver directory`,
        };
      const human = directory.humans.find((h) => h.id === who.id);
      const key = human?.keys.find((k) => k.id === p.keyId);
      if (key === undefined)
        return { ok: false, code: 'unknown_key', message: `key ${p.keyId} is not registered for ${who.id}` };
      const publicKey = createPublicKey({
        key: Buffer.concat([ed25519SpkiPrefix, Buffer.from(key.publicKey, 'base64')]),
        format: 'der',
        type: 'spki',
      });
      const signature = Buffer.from(signed.signature, 'base64');
      if (!verify(null, Buffer.from(signingText(p), 'utf8'), publicKey, signature)) {
        return {
          ok: false,
          code: 'bad_signature',
          message: `the signature does not verify with key ${p.keyId}`,
        };
      }
      return {
        ok: true,
        principal: who.id,
        roles: who.roles,
        ...(human?.scopes === undefined ? {} : { scopes: human.scopes }),
        keyId: key.id,
        signatureDigest: createHash('sha256').update(signature).digest('hex'),
      };
    },

    /** Who a principal named in an unsigned (Temporal UI) decision is, per the directory. */
    async identifyPrincipal(principal: string): Promise<Identity> {
      return identify(await deps.directory(), principal);
    },

    /** Current roles of approvers already counted; a removed approver comes back `unknown`. */
    async currentIdentities(principals: readonly string[]): Promise<Identity[]> {
      const directory = await deps.directory();
      return principals.map((p) => identify(directory, p));
    },
  };
}

export type ApprovalActivities = ReturnType<typeof createApprovalActivities>;

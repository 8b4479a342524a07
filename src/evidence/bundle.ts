import { z } from 'zod';
import type { ChangeResult } from '../change/view';
import { canonicalJson, hashOf } from '../hash';
import { parseCanonical } from './canonical-parse';
import { signatureSchema } from './signing';
import type { EvidenceEntry } from './chain';
import { verifyChain } from './chain';
import type { Signature, SigningKey, TrustedKey } from './signing';
import { checkSignature, signBytes } from './signing';

/**
 * A closed change's evidence as an auditor receives it: what was proposed, every decision and
 * operation entry, the policy, the verified approvals, the outcome and the workflow's own event
 * history, serialised by RFC 8785 and signed with the deployment's evidence key. Everything in it
 * is derived from the history fetched after the workflow closed, so the same history always seals
 * to the same bytes (Ed25519 signatures are deterministic), and a retried export is harmless.
 */
export const bundleFormat = 'countersign.evidence-bundle/1';

export interface BundleChange {
  /** The recommendation's id, when the change got that far. */
  readonly id: string | null;
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  /** How the execution closed, from its last history event: COMPLETED, FAILED, TERMINATED, ... */
  readonly closeStatus: string;
  readonly closedAt: string;
}

export interface BundleContent {
  readonly format: typeof bundleFormat;
  readonly deployment: { readonly namespace: string; readonly taskQueue: string };
  readonly change: BundleChange;
  readonly recommendation: unknown;
  readonly policy: { readonly version: string; readonly hash: string } | null;
  /** Decisions by identified people, counted or refused, as the entries record them. */
  readonly approvals: readonly EvidenceEntry[];
  readonly outcome: { readonly state: string; readonly code: string; readonly message: string } | null;
  readonly entries: readonly EvidenceEntry[];
  /** The Temporal event history in its protobuf JSON form (replayable with historyFromJSON). */
  readonly history: unknown;
}

export interface SealedBundle {
  readonly format: typeof bundleFormat;
  /** SHA-256 (hex) of the canonical content: what the ledger anchors. */
  readonly digest: string;
  readonly signature: Signature;
  readonly content: BundleContent;
}

const humanDecision = /^(approve|reject)_(counted|refused)$/;

export function bundleContent(input: {
  readonly deployment: BundleContent['deployment'];
  readonly change: BundleChange;
  /** The workflow's result when it completed; null when it failed, was terminated or timed out. */
  readonly result: ChangeResult | null;
  readonly history: unknown;
}): BundleContent {
  const view = input.result?.view;
  const entries = input.result?.evidence ?? [];
  return {
    format: bundleFormat,
    deployment: input.deployment,
    change: input.change,
    recommendation: view?.recommendation ?? null,
    policy:
      view?.decision === null || view?.decision === undefined
        ? null
        : { version: view.decision.policyVersion, hash: view.decision.policyHash },
    approvals: entries.filter((e) => e.stream === 'decision' && humanDecision.test(e.step)),
    outcome:
      view?.outcome === null || view?.outcome === undefined
        ? null
        : { state: view.state, code: view.outcome.code, message: view.outcome.message },
    entries,
    history: input.history,
  };
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

export function sealBundle(content: BundleContent, key: SigningKey): SealedBundle {
  const bytes = canonicalBytes(content);
  return { format: bundleFormat, digest: hashOf(content), signature: signBytes(bytes, key), content };
}

/** The file form: canonical too, so the stored bytes are a function of the history alone. */
export function bundleBytes(sealed: SealedBundle): Uint8Array {
  return canonicalBytes(sealed);
}

const entrySchema = z.object({
  stream: z.enum(['decision', 'operation']),
  step: z.string(),
  actor: z.string(),
  summary: z.string(),
  data: z.unknown().optional(),
  seq: z.number().int(),
  at: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});

const sealedSchema = z.object({
  format: z.literal(bundleFormat),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  signature: signatureSchema,
  content: z
    .object({
      format: z.literal(bundleFormat),
      deployment: z.object({ namespace: z.string(), taskQueue: z.string() }),
      change: z.object({
        id: z.string().nullable(),
        workflowId: z.string(),
        runId: z.string(),
        workflowType: z.string(),
        closeStatus: z.string(),
        closedAt: z.string(),
      }),
      recommendation: z.unknown(),
      policy: z.object({ version: z.string(), hash: z.string() }).nullable(),
      approvals: z.array(entrySchema),
      outcome: z.object({ state: z.string(), code: z.string(), message: z.string() }).nullable(),
      entries: z.array(entrySchema),
      history: z.object({ events: z.array(z.unknown()) }).passthrough(),
    })
    .passthrough(),
});

/** Why a bundle is not what its signer sealed, each with its own exit code in the CLI. */
export type BundleProblem =
  | { readonly kind: 'unreadable'; readonly detail: string }
  | { readonly kind: 'unknown_key'; readonly detail: string }
  | { readonly kind: 'chain'; readonly detail: string }
  | { readonly kind: 'signature'; readonly detail: string };

export type BundleCheck =
  | { readonly ok: true; readonly sealed: SealedBundle }
  | { readonly ok: false; readonly problem: BundleProblem; readonly sealed?: SealedBundle };

/**
 * Everything that can be checked from the bundle and a keyring alone. The entry chain is checked
 * before the signature so a removed or reordered entry is named as such, not as a bad signature.
 */
export function checkBundle(bytes: Uint8Array, trusted: readonly TrustedKey[]): BundleCheck {
  const parsed = parseCanonical(bytes);
  if (!parsed.ok) return { ok: false, problem: { kind: 'unreadable', detail: parsed.problem } };
  const shape = sealedSchema.safeParse(parsed.value);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    return {
      ok: false,
      problem: {
        kind: 'unreadable',
        detail: `not an evidence bundle: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      },
    };
  }
  const sealed = parsed.value as SealedBundle;
  if (!trusted.some((k) => k.keyId === sealed.signature.keyId))
    return {
      ok: false,
      sealed,
      problem: {
        kind: 'unknown_key',
        detail: `signed by ${sealed.signature.keyId}, which is not in the keyring`,
      },
    };
  const chain = verifyChain(sealed.content.entries);
  if (!chain.ok)
    return { ok: false, sealed, problem: { kind: 'chain', detail: `entry ${chain.seq} ${chain.problem}` } };
  const approvals = sealed.content.entries.filter(
    (e) => e.stream === 'decision' && humanDecision.test(e.step),
  );
  if (canonicalJson(approvals) !== canonicalJson(sealed.content.approvals))
    return {
      ok: false,
      sealed,
      problem: { kind: 'chain', detail: 'the approvals listed are not the decisions the entries record' },
    };
  const bytesSigned = canonicalBytes(sealed.content);
  const verdict = checkSignature(bytesSigned, sealed.signature, trusted);
  if (verdict === 'unknown_key')
    return {
      ok: false,
      sealed,
      problem: {
        kind: 'unknown_key',
        detail: `the keyring entry for ${sealed.signature.keyId} is not that key`,
      },
    };
  if (verdict !== 'valid' || hashOf(sealed.content) !== sealed.digest)
    return {
      ok: false,
      sealed,
      problem: { kind: 'signature', detail: `the content is not what ${sealed.signature.keyId} signed` },
    };
  return { ok: true, sealed };
}

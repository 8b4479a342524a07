import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeResult } from '../../src/change/view';
import type { BundleCheck, BundleContent, SealedBundle } from '../../src/evidence/bundle';
import {
  bundleBytes,
  bundleContent,
  canonicalBytes,
  checkBundle,
  sealBundle,
} from '../../src/evidence/bundle';
import type { EvidenceEntry, EvidenceInput } from '../../src/evidence/chain';
import { appendEvidence } from '../../src/evidence/chain';
import { signingKeyOf, trustedKeyOf } from '../../src/evidence/signing';
import { hashOf } from '../../src/hash';

const signer = signingKeyOf(new Uint8Array(32).fill(3));
const stranger = signingKeyOf(new Uint8Array(32).fill(4));
const trusted = [trustedKeyOf(signer)];

const inputs: readonly EvidenceInput[] = [
  { stream: 'decision', step: 'submitted', actor: 'aiops-dns-agent', summary: 'recommendation received' },
  { stream: 'decision', step: 'classified', actor: 'policy', summary: 'tier 2', data: { rules: ['prod'] } },
  { stream: 'decision', step: 'reject_refused', actor: 'mallory@example.com', summary: 'not an approver' },
  { stream: 'decision', step: 'approve_counted', actor: 'alice@example.com', summary: 'approval 1 of 1' },
  { stream: 'operation', step: 'execute_applied', actor: 'worker', summary: 'PATCH zone' },
  { stream: 'decision', step: 'executed', actor: 'worker', summary: 'verified' },
];

function entries(): EvidenceEntry[] {
  const chain: EvidenceEntry[] = [];
  inputs.forEach((input, i) =>
    chain.push(appendEvidence(chain, input, new Date(Date.UTC(2026, 5, 1, 9, i)))),
  );
  return chain;
}

/** Only the fields bundleContent reads: a ChangeResult as a completed change workflow returns it. */
const result = {
  view: {
    recommendation: { id: 'rec-1', zone: 'example.com.', change: { kind: 'dns.upsert_rrset' } },
    decision: { policyVersion: '2026-06-01', policyHash: 'a'.repeat(64) },
    state: 'executed',
    outcome: { code: 'executed', message: 'applied and verified' },
  },
  evidence: entries(),
} as unknown as ChangeResult;

const change = {
  id: 'rec-1',
  workflowId: 'change/rec-1',
  runId: 'run-1',
  workflowType: 'changeWorkflow',
  closeStatus: 'COMPLETED',
  closedAt: '2026-06-01T09:10:00.000Z',
};
const content = bundleContent({
  deployment: { namespace: 'default', taskQueue: 'countersign' },
  change,
  result,
  history: { events: [] },
});
const sealed = sealBundle(content, signer);
const genuine = bundleBytes(sealed);

/** The sealed bundle with its content changed, signature and digest kept. */
const withContent = (edit: (c: BundleContent) => unknown) =>
  canonicalBytes({ ...sealed, content: edit(content) });
const raw = (value: unknown) => canonicalBytes(value);

describe('bundleContent', () => {
  it('lists the human decisions, counted or refused, as the approvals', () => {
    assert.deepEqual(
      content.approvals.map((e) => [e.step, e.actor]),
      [
        ['reject_refused', 'mallory@example.com'],
        ['approve_counted', 'alice@example.com'],
      ],
    );
    assert.deepEqual(content.policy, { version: '2026-06-01', hash: 'a'.repeat(64) });
    assert.deepEqual(content.outcome, {
      state: 'executed',
      code: 'executed',
      message: 'applied and verified',
    });
    assert.equal(content.entries.length, inputs.length);
  });

  it('a change that closed without a result seals with empty evidence', () => {
    const failed = bundleContent({
      deployment: content.deployment,
      change: { ...change, id: null, closeStatus: 'TERMINATED' },
      result: null,
      history: { events: [] },
    });
    assert.deepEqual(
      [failed.recommendation, failed.policy, failed.outcome, failed.approvals, failed.entries],
      [null, null, null, [], []],
    );
    assert.equal(checkBundle(bundleBytes(sealBundle(failed, signer)), trusted).ok, true);
  });

  it('seals deterministically: the same content gives the same bytes', () => {
    assert.deepEqual(bundleBytes(sealBundle(content, signer)), genuine);
    assert.equal(sealed.digest, hashOf(content));
  });
});

describe('checkBundle', () => {
  const otherSealed = sealBundle({ ...content, change: { ...change, runId: 'run-2' } }, signer);
  const cases: { name: string; bytes: Uint8Array; trusted?: typeof trusted; kind: string; detail: RegExp }[] =
    [
      {
        name: 'not JSON',
        bytes: new TextEncoder().encode('{"format":'),
        kind: 'unreadable',
        detail: /^not UTF-8 JSON: /,
      },
      {
        name: 'not UTF-8',
        bytes: new Uint8Array([0x7b, 0xff, 0x7d]),
        kind: 'unreadable',
        detail: /^not UTF-8 JSON: /,
      },
      {
        name: 'a JSON array',
        bytes: raw([]),
        kind: 'unreadable',
        detail: /^not an evidence bundle: \(root\): /,
      },
      {
        name: 'another format',
        bytes: raw({ ...sealed, format: 'countersign.evidence-bundle/2' }),
        kind: 'unreadable',
        detail: /^not an evidence bundle: format: /,
      },
      {
        name: 'a digest that is not hex',
        bytes: raw({ ...sealed, digest: 'xyz' }),
        kind: 'unreadable',
        detail: /^not an evidence bundle: digest: /,
      },
      {
        name: 'another signature algorithm',
        bytes: raw({ ...sealed, signature: { ...sealed.signature, alg: 'rsa' } }),
        kind: 'unreadable',
        detail: /^not an evidence bundle: signature\.alg: /,
      },
      {
        name: 'a run id that is not a string',
        bytes: withContent((c) => ({ ...c, change: { ...c.change, runId: 5 } })),
        kind: 'unreadable',
        detail: /^not an evidence bundle: content\.change\.runId: /,
      },
      {
        name: 'an entry of an unknown stream',
        bytes: withContent((c) => ({ ...c, entries: c.entries.map((e) => ({ ...e, stream: 'other' })) })),
        kind: 'unreadable',
        detail: /^not an evidence bundle: content\.entries\.0\.stream: /,
      },
      {
        name: 'a history without events',
        bytes: withContent((c) => ({ ...c, history: {} })),
        kind: 'unreadable',
        detail: /^not an evidence bundle: content\.history\.events: /,
      },
      {
        name: 'signed by a key not in the keyring',
        bytes: bundleBytes(sealBundle(content, stranger)),
        kind: 'unknown_key',
        detail: new RegExp(`^signed by ${stranger.keyId}, which is not in the keyring$`),
      },
      {
        name: "a keyring entry carrying the signer's id with another key",
        bytes: genuine,
        trusted: [{ ...trustedKeyOf(stranger), keyId: signer.keyId }],
        kind: 'unknown_key',
        detail: /is not that key$/,
      },
      {
        name: 'an entry removed',
        bytes: withContent((c) => ({ ...c, entries: c.entries.filter((e) => e.seq !== 2) })),
        kind: 'chain',
        detail: /^entry 2 sequence number 3 where 2 was expected$/,
      },
      {
        name: 'the last entry removed',
        bytes: withContent((c) => ({ ...c, entries: c.entries.slice(0, -1) })),
        kind: 'signature',
        detail: /is not what .* signed$/,
      },
      {
        name: "an entry's summary edited",
        bytes: withContent((c) => ({
          ...c,
          entries: c.entries.map((e) => (e.seq === 4 ? { ...e, summary: 'nothing happened' } : e)),
        })),
        kind: 'chain',
        detail: /^entry 4 content does not match its hash$/,
      },
      {
        name: 'an approval removed from the approvals list',
        bytes: withContent((c) => ({ ...c, approvals: c.approvals.slice(1) })),
        kind: 'chain',
        detail: /^the approvals listed are not the decisions the entries record$/,
      },
      {
        name: 'an approval added to the approvals list',
        bytes: withContent((c) => ({
          ...c,
          approvals: [...c.approvals, { ...(c.approvals[1] as EvidenceEntry), actor: 'bob@example.com' }],
        })),
        kind: 'chain',
        detail: /^the approvals listed are not the decisions the entries record$/,
      },
      {
        name: "an approval's actor edited in the approvals list",
        bytes: withContent((c) => ({
          ...c,
          approvals: c.approvals.map((e) => ({ ...e, actor: 'bob@example.com' })),
        })),
        kind: 'chain',
        detail: /^the approvals listed are not the decisions the entries record$/,
      },
      ...(
        [
          ['the recommendation', (c) => ({ ...c, recommendation: { id: 'rec-1', zone: 'evil.example.' } })],
          [
            'the close time',
            (c) => ({ ...c, change: { ...c.change, closedAt: '2026-06-02T00:00:00.000Z' } }),
          ],
          ['the run id', (c) => ({ ...c, change: { ...c.change, runId: 'run-9' } })],
          ['the outcome', (c) => ({ ...c, outcome: null })],
          ['the policy hash', (c) => ({ ...c, policy: { version: '2026-06-01', hash: 'b'.repeat(64) } })],
          ['the deployment', (c) => ({ ...c, deployment: { namespace: 'prod', taskQueue: 'countersign' } })],
          ['the history', (c) => ({ ...c, history: { events: [{ eventId: '1' }] } })],
          ['an added member', (c) => ({ ...c, note: 'added later' })],
        ] as [string, (c: BundleContent) => unknown][]
      ).map(([what, edit]) => ({
        name: `${what} edited (outside the entries)`,
        bytes: withContent(edit),
        kind: 'signature',
        detail: new RegExp(`^the content is not what ${signer.keyId} signed$`),
      })),
      {
        name: 'the digest edited',
        bytes: raw({ ...sealed, digest: 'c'.repeat(64) }),
        kind: 'signature',
        detail: /is not what .* signed$/,
      },
      {
        name: "the content and digest of another bundle under this one's signature",
        bytes: raw({ ...otherSealed, signature: sealed.signature }),
        kind: 'signature',
        detail: /is not what .* signed$/,
      },
    ];

  it('accepts the bundle as sealed, returning it', () => {
    const check: BundleCheck = checkBundle(genuine, trusted);
    assert.equal(check.ok, true);
    assert.deepEqual(
      check.ok && check.sealed,
      JSON.parse(Buffer.from(genuine).toString('utf8')) as SealedBundle,
    );
    // A keyring holding other keys beside the signer's is fine.
    assert.equal(checkBundle(genuine, [trustedKeyOf(stranger), ...trusted]).ok, true);
  });

  for (const c of cases)
    it(`names ${c.name} as ${c.kind}`, () => {
      const check = checkBundle(c.bytes, c.trusted ?? trusted);
      assert.equal(check.ok, false, `${c.name} went unnoticed`);
      if (check.ok) return;
      assert.equal(check.problem.kind, c.kind, check.problem.detail);
      assert.match(check.problem.detail, c.detail);
    });
});

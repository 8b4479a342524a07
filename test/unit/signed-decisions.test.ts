import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, verify, createPublicKey } from 'node:crypto';
import type { ApproverDirectory } from '../../src/approvals/directory';
import type { SignedDecision } from '../../src/approvals/signed-decision';
import { SignedDecision as SignedDecisionSchema, signingText } from '../../src/approvals/signed-decision';
import type { ApproverKeyFile } from '../../src/client/approver-keys';
import {
  ApproverKeyFile as KeyFileSchema,
  generateApproverKey,
  signDecision,
} from '../../src/client/approver-keys';
import type { VerifiedDecision } from '../../activities/approvals/approval-activities';
import { createApprovalActivities } from '../../activities/approvals/approval-activities';

const workflowId = 'change-example.com-0001';
const planHash = 'c'.repeat(64);
const otherHash = 'd'.repeat(64);

const alice = generateApproverKey('alice@example.com', 'alice-2026');
const carol = generateApproverKey('carol@example.com', 'carol-laptop');
const mallory = generateApproverKey('alice@example.com', 'alice-2026');
const agent = generateApproverKey('aiops-dns-agent', 'agent-key');
const stranger = generateApproverKey('mallory@example.com', 'mallory-key');
const aliceUnregistered = generateApproverKey('alice@example.com', 'alice-old');

const directory: ApproverDirectory = {
  version: 't',
  humans: [
    { id: 'alice@example.com', roles: ['sre'], keys: [{ id: alice.keyId, publicKey: alice.publicKey }] },
    {
      id: 'carol@example.com',
      roles: ['sre', 'service-owner'],
      keys: [{ id: carol.keyId, publicKey: carol.publicKey }],
    },
  ],
  services: ['aiops-dns-agent'],
};

const activities = createApprovalActivities({ directory: async () => directory });

function signed(key: ApproverKeyFile, overrides: Partial<{ workflowId: string; planHash: string }> = {}) {
  return signDecision(key, {
    workflowId: overrides.workflowId ?? workflowId,
    planHash: overrides.planHash ?? planHash,
    decision: 'approve',
    reason: 'checked the diff',
  });
}

function tamper(decision: SignedDecision, change: Partial<SignedDecision['payload']>): SignedDecision {
  return { payload: { ...decision.payload, ...change }, signature: decision.signature };
}

describe('generateApproverKey and signDecision', () => {
  it('generates a key file the schema and the directory accept', () => {
    assert.ok(KeyFileSchema.safeParse(alice).success);
    assert.match(alice.publicKey, /^[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(alice.publicKey, 'base64').length, 32);
    assert.notEqual(alice.publicKey, mallory.publicKey);
  });

  it('signs a payload that validates and verifies with the raw public key', () => {
    const now = new Date('2026-03-01T12:00:00.000Z');
    const decision = signDecision(
      alice,
      { workflowId, planHash, decision: 'reject', reason: 'wrong target' },
      120,
      now,
    );
    assert.ok(SignedDecisionSchema.safeParse(decision).success);
    assert.deepEqual(
      { ...decision.payload, nonce: undefined },
      {
        v: 1,
        workflowId,
        planHash,
        decision: 'reject',
        reason: 'wrong target',
        principal: 'alice@example.com',
        keyId: 'alice-2026',
        issuedAt: '2026-03-01T12:00:00.000Z',
        expiresAt: '2026-03-01T12:02:00.000Z',
        nonce: undefined,
      },
    );
    const spki = Buffer.concat([
      Buffer.from('302a300506032b6570032100', 'hex'),
      Buffer.from(alice.publicKey, 'base64'),
    ]);
    const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    assert.ok(
      verify(
        null,
        Buffer.from(signingText(decision.payload), 'utf8'),
        publicKey,
        Buffer.from(decision.signature, 'base64'),
      ),
    );
  });

  it('uses a fresh nonce for every signature', () => {
    const nonces = new Set(Array.from({ length: 20 }, () => signed(alice).payload.nonce));
    assert.equal(nonces.size, 20);
  });
});

describe('verifySignedDecision', () => {
  type Outcome = { ok: true; principal: string; roles: readonly string[]; keyId: string } | { code: string };

  const cases: readonly {
    name: string;
    decision: () => SignedDecision;
    workflowId?: string;
    outcome: Outcome;
  }[] = [
    {
      name: 'valid signature by alice',
      decision: () => signed(alice),
      outcome: { ok: true, principal: 'alice@example.com', roles: ['sre'], keyId: 'alice-2026' },
    },
    {
      name: 'valid signature by carol with two roles',
      decision: () => signed(carol),
      outcome: {
        ok: true,
        principal: 'carol@example.com',
        roles: ['sre', 'service-owner'],
        keyId: 'carol-laptop',
      },
    },
    {
      name: 'principal spelled in another case',
      decision: () =>
        signDecision(
          { ...alice, principal: 'Alice@Example.com' },
          { workflowId, planHash, decision: 'approve', reason: 'ok' },
        ),
      outcome: { ok: true, principal: 'alice@example.com', roles: ['sre'], keyId: 'alice-2026' },
    },
    {
      name: 'planHash changed after signing',
      decision: () => tamper(signed(alice), { planHash: otherHash }),
      outcome: { code: 'bad_signature' },
    },
    {
      name: 'reason changed after signing',
      decision: () => tamper(signed(alice), { reason: 'something else' }),
      outcome: { code: 'bad_signature' },
    },
    {
      name: 'decision flipped after signing',
      decision: () => tamper(signed(alice), { decision: 'reject' }),
      outcome: { code: 'bad_signature' },
    },
    {
      name: 'validity extended after signing',
      decision: () => tamper(signed(alice), { expiresAt: '2099-01-01T00:00:00.000Z' }),
      outcome: { code: 'bad_signature' },
    },
    {
      name: 'nonce changed after signing',
      decision: () => tamper(signed(alice), { nonce: 'A'.repeat(24) }),
      outcome: { code: 'bad_signature' },
    },
    {
      name: "another principal's signature, relabelled to alice",
      decision: () => tamper(signed(carol), { principal: 'alice@example.com', keyId: 'alice-2026' }),
      outcome: { code: 'bad_signature' },
    },
    {
      name: 'workflow id in the payload differs from the workflow verifying it',
      decision: () => signed(alice, { workflowId: 'change-other-0002' }),
      outcome: { code: 'wrong_workflow' },
    },
    {
      name: 'payload relabelled to this workflow after signing for another',
      decision: () => tamper(signed(alice, { workflowId: 'change-other-0002' }), { workflowId }),
      outcome: { code: 'bad_signature' },
    },
    {
      name: 'service principal',
      decision: () => signed(agent),
      outcome: { code: 'service_principal' },
    },
    {
      name: 'unknown principal',
      decision: () => signed(stranger),
      outcome: { code: 'unknown_principal' },
    },
    {
      name: 'key id not registered for alice',
      decision: () => signed(aliceUnregistered),
      outcome: { code: 'unknown_key' },
    },
    {
      name: "carol's key id claimed by alice",
      decision: () =>
        signDecision(
          { ...alice, keyId: 'carol-laptop' },
          { workflowId, planHash, decision: 'approve', reason: 'ok' },
        ),
      outcome: { code: 'unknown_key' },
    },
    {
      name: 'signature from another key under a registered key id',
      decision: () => signed(mallory),
      outcome: { code: 'bad_signature' },
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const decision = c.decision();
      const result: VerifiedDecision = await activities.verifySignedDecision(
        decision,
        c.workflowId ?? workflowId,
      );
      if ('code' in c.outcome) {
        assert.equal(result.ok, false);
        assert.equal(!result.ok && result.code, c.outcome.code);
        assert.ok(!result.ok && result.message.length > 0);
      } else {
        assert.ok(result.ok, JSON.stringify(result));
        assert.deepEqual(
          { ok: result.ok, principal: result.principal, roles: result.roles, keyId: result.keyId },
          c.outcome,
        );
        assert.match(result.signatureDigest, /^[0-9a-f]{64}$/);
        assert.equal(
          result.signatureDigest,
          createHash('sha256').update(Buffer.from(decision.signature, 'base64')).digest('hex'),
        );
      }
    });
  }

  it('refuses another workflow before reading the directory', async () => {
    const failing = createApprovalActivities({
      directory: async () => {
        throw new Error('directory unavailable');
      },
    });
    const result = await failing.verifySignedDecision(signed(alice), 'change-other-0002');
    assert.equal(!result.ok && result.code, 'wrong_workflow');
  });

  it('reads the directory at every verification: a removed human is refused', async () => {
    let current: ApproverDirectory = directory;
    const live = createApprovalActivities({ directory: async () => current });
    const decision = signed(alice);
    assert.equal((await live.verifySignedDecision(decision, workflowId)).ok, true);
    current = { ...directory, humans: directory.humans.filter((h) => h.id !== 'alice@example.com') };
    const again = await live.verifySignedDecision(decision, workflowId);
    assert.equal(!again.ok && again.code, 'unknown_principal');
  });

  it('distinct signatures have distinct digests', async () => {
    const a = await activities.verifySignedDecision(signed(alice), workflowId);
    const b = await activities.verifySignedDecision(signed(alice), workflowId);
    assert.ok(a.ok && b.ok);
    assert.notEqual(a.signatureDigest, b.signatureDigest);
  });
});

describe('identifyPrincipal and currentIdentities', () => {
  it('identifies humans, services and unknown principals', async () => {
    assert.deepEqual(await activities.identifyPrincipal('CAROL@example.com'), {
      kind: 'human',
      id: 'carol@example.com',
      roles: ['sre', 'service-owner'],
    });
    assert.deepEqual(await activities.identifyPrincipal('aiops-dns-agent'), {
      kind: 'service',
      id: 'aiops-dns-agent',
    });
    assert.deepEqual(await activities.identifyPrincipal('mallory@example.com'), {
      kind: 'unknown',
      id: 'mallory@example.com',
    });
  });

  it('returns current identities in order', async () => {
    assert.deepEqual(
      await activities.currentIdentities([
        'alice@example.com',
        'aiops-dns-agent',
        'bob@example.com',
        'carol@example.com',
      ]),
      [
        { kind: 'human', id: 'alice@example.com', roles: ['sre'] },
        { kind: 'service', id: 'aiops-dns-agent' },
        { kind: 'unknown', id: 'bob@example.com' },
        { kind: 'human', id: 'carol@example.com', roles: ['sre', 'service-owner'] },
      ],
    );
    assert.deepEqual(await activities.currentIdentities([]), []);
  });

  it('a demoted approver comes back with the new roles', async () => {
    let current: ApproverDirectory = directory;
    const live = createApprovalActivities({ directory: async () => current });
    current = {
      ...directory,
      humans: directory.humans.map((h) => (h.id === 'carol@example.com' ? { ...h, roles: ['dba'] } : h)),
    };
    assert.deepEqual(await live.currentIdentities(['carol@example.com']), [
      { kind: 'human', id: 'carol@example.com', roles: ['dba'] },
    ]);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queryRrset } from '../../activities/dns/query';
import { exampleRecommendation } from '../../src/examples';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone } from '../helpers/zones';
import type { ApproverKeyFile } from '../../src/client/approver-keys';
import { generateApproverKey, signDecision } from '../../src/client/approver-keys';
import { decideUpdate } from '../../workflows/messages';

const timings = { approvalExpirySeconds: 60, coolingOffSeconds: 1 };

describe('approvals (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  async function pending(t: { name: string }, expirySeconds = timings.approvalExpirySeconds) {
    const id = slug(t as never);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      onBehalfOf: 'bob@example.com',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.99'] },
    });
    return { id, zone, cs, rec, timings: { ...timings, approvalExpirySeconds: expirySeconds } };
  }

  it('refuses every forged, misdirected or unauthorised approval and records each refusal', async (t) => {
    const { id, zone, cs, rec, timings: tm } = await pending(t);
    await withWorker(h, id, { timings: tm }, async () => {
      await cs.submit(rec);
      const view = await cs.waitForState(id, ['awaiting_approval']);
      const planHash = view.approval?.planHash ?? '';
      const alice = h.key('alice@example.com');
      const stranger = generateApproverKey('mallory@example.com', 'mallory-1');
      const cases: {
        name: string;
        key: ApproverKeyFile;
        planHash?: string;
        validForSeconds?: number;
        code: string;
      }[] = [
        { name: 'the requester (onBehalfOf)', key: h.key('bob@example.com'), code: 'excluded_principal' },
        {
          name: 'the proposing agent',
          key: generateApproverKey('aiops-dns-agent', 'agent-1'),
          code: 'service_principal',
        },
        { name: 'someone not in the directory', key: stranger, code: 'unknown_principal' },
        {
          name: 'a key alice never registered',
          key: generateApproverKey('alice@example.com', 'alice-unregistered'),
          code: 'unknown_key',
        },
        {
          name: "a forged signature under alice's key id",
          key: { ...alice, privateKeyPem: stranger.privateKeyPem },
          code: 'bad_signature',
        },
        { name: 'an expired signed decision', key: alice, validForSeconds: -120, code: 'decision_expired' },
        { name: 'another plan', key: alice, planHash: 'f'.repeat(64), code: 'plan_hash_mismatch' },
        {
          name: 'a service owner where an SRE is needed',
          key: h.key('dave@example.com'),
          code: 'role_not_needed',
        },
      ];
      for (const c of cases) {
        const { verdict } = await cs.decide(id, {
          key: c.key,
          decision: 'approve',
          reason: 'trying',
          planHash: c.planHash ?? planHash,
          ...(c.validForSeconds === undefined ? {} : { validForSeconds: c.validForSeconds }),
        });
        assert.equal(!verdict.counted && verdict.code, c.code, c.name);
      }
      // An unsigned update is refused; a signed decision replayed (same nonce) is refused.
      const unsigned = await cs.handle(id).executeUpdate(decideUpdate, {
        args: [{ principal: 'alice@example.com', decision: 'approve', planHash, reason: 'unsigned' }],
      });
      assert.equal(!unsigned.counted && unsigned.code, 'unsigned');
      const signed = signDecision(h.key('dave@example.com'), {
        workflowId: `change-${id}`,
        planHash,
        decision: 'approve',
        reason: 'once',
      });
      const firstUse = await cs
        .handle(id)
        .executeUpdate(decideUpdate, { args: [signed], updateId: `${id}-1` });
      const replay = await cs.handle(id).executeUpdate(decideUpdate, { args: [signed], updateId: `${id}-2` });
      assert.equal(!firstUse.counted && firstUse.code, 'role_not_needed');
      assert.equal(!replay.counted && replay.code, 'nonce_replayed');

      const now = await cs.status(id);
      assert.equal(now.state, 'awaiting_approval');
      assert.equal(now.approval?.state.approvals.length, 0);
      const { entries } = await cs.evidence(id);
      const refusals = entries
        .filter((e) => e.step === 'approve_refused')
        .map((e) => (e.data as { code: string }).code);
      assert.deepEqual(refusals, [
        ...cases.map((c) => c.code),
        'unsigned',
        'role_not_needed',
        'nonce_replayed',
      ]);
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.20']);
      // A verified approval records who, with which key, and the signature's digest.
      const { verdict } = await cs.decide(id, {
        key: alice,
        decision: 'approve',
        reason: 'reviewed',
        planHash,
      });
      assert.equal(verdict.counted, true);
      const counted = (await cs.evidence(id)).entries.find((e) => e.step === 'approve_counted');
      assert.equal(counted?.actor, 'alice@example.com');
      const data = counted?.data as {
        channel: string;
        keyId: string;
        signatureDigest: string;
        roles: string[];
      };
      assert.equal(data.channel, 'signed');
      assert.equal(data.keyId, alice.keyId);
      assert.match(data.signatureDigest, /^[0-9a-f]{64}$/);
      assert.deepEqual(data.roles, ['sre']);
    });
  });

  it('a rejection ends the request and nothing is written', async (t) => {
    const { id, zone, cs, rec, timings: tm } = await pending(t);
    await withWorker(h, id, { timings: tm }, async () => {
      const { handle } = await cs.submit(rec);
      const planHash = (await cs.waitForState(id, ['awaiting_approval'])).approval?.planHash ?? '';
      const { verdict } = await cs.decide(id, {
        key: h.key('alice@example.com'),
        decision: 'reject',
        reason: 'wrong pool',
        planHash,
      });
      assert.equal(verdict.counted && verdict.status, 'rejected');
      const result = await handle.result();
      assert.equal(result.view.state, 'rejected');
      assert.match(result.view.outcome?.message ?? '', /alice@example.com: wrong pool/);
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.20']);
    });
  });

  it('expires without a decision and fails closed', async (t) => {
    const { id, zone, cs, rec, timings: tm } = await pending(t, 2);
    await withWorker(h, id, { timings: tm }, async () => {
      const { handle } = await cs.submit(rec);
      const result = await handle.result();
      assert.equal(result.view.state, 'expired');
      assert.equal(result.view.outcome?.code, 'approval_expired');
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.20']);
      const late = await cs
        .decide(id, {
          key: h.key('alice@example.com'),
          decision: 'approve',
          reason: 'late',
          planHash: result.view.plan?.hash ?? '',
        })
        .catch((err: Error) => err);
      // A closed workflow accepts no update at all: the late approval cannot count.
      assert.ok(late instanceof Error);
    });
  });

  it('accepts the approve signal exactly as the Temporal UI sends it, and records malformed ones', async (t) => {
    const { id, zone, cs, rec, timings: tm } = await pending(t);
    await withWorker(h, id, { timings: tm }, async () => {
      const { handle } = await cs.submit(rec);
      const view = await cs.waitForState(id, ['awaiting_approval']);
      // The UI's "Send signal" posts a JSON payload for the named signal; a raw client signal by name is the same thing.
      await h.client.workflow
        .getHandle(handle.workflowId)
        .signal('approve', { principal: 'eve', reason: 'no plan hash' });
      await eventually(async () => {
        const { entries } = await cs.evidence(id);
        assert.ok(
          entries.some(
            (e) => e.step === 'approve_refused' && (e.data as { code: string }).code === 'invalid_payload',
          ),
        );
      });
      await h.client.workflow.getHandle(handle.workflowId).signal('approve', {
        principal: 'alice@example.com',
        planHash: view.approval?.planHash,
        reason: 'checked in the UI',
      });
      const result = await handle.result();
      assert.equal(result.view.state, 'executed');
      const counted = result.evidence.find((e) => e.step === 'approve_counted');
      assert.equal((counted?.data as { channel: string }).channel, 'ui');
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.99']);
    });
  });

  it('a cancelled workflow closes as cancelled, with the outcome in the evidence, and writes nothing', async (t) => {
    const { id, zone, cs, rec, timings: tm } = await pending(t);
    await withWorker(h, id, { timings: tm }, async () => {
      const { handle } = await cs.submit(rec);
      await cs.waitForState(id, ['awaiting_approval']);
      await handle.cancel();
      const result = await handle.result();
      assert.equal(result.view.state, 'cancelled');
      assert.equal(result.evidence.at(-1)?.step, 'close');
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.20']);
    });
  });

  it('the Temporal UI channel does not count for production dual control, and names must be in the directory', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: zone, type: 'MX', ttl: 3600, records: [`5 mx7.${zone}`] },
    });
    await withWorker(h, id, { timings }, async () => {
      await cs.submit(rec);
      const view = await cs.waitForState(id, ['awaiting_approval']);
      assert.deepEqual(view.decision?.channels, ['signed']);
      const planHash = view.approval?.planHash ?? '';
      const handle = h.client.workflow.getHandle(`change-${id}`);
      await handle.signal('approve', { principal: 'alice@example.com', planHash, reason: 'from the UI' });
      await handle.signal('approve', { principal: 'nobody@example.com', planHash, reason: 'from the UI' });
      await eventually(async () => {
        const { entries } = await cs.evidence(id);
        const codes = entries
          .filter((e) => e.step === 'approve_refused')
          .map((e) => [(e.data as { channel: string }).channel, (e.data as { code: string }).code])
          // Each signal's identity lookup is its own activity: they may finish in either order.
          .sort();
        assert.deepEqual(codes, [
          ['ui', 'channel_not_accepted'],
          ['ui', 'unknown_principal'],
        ]);
      });
      // A veto through the UI still counts: stopping a change is always allowed.
      await handle.signal('reject', {
        principal: 'dave@example.com',
        planHash,
        reason: 'not during the migration',
      });
      const closed = await cs.waitForState(id, ['rejected']);
      assert.equal(closed.outcome?.code, 'rejected');
      assert.deepEqual((await queryRrset(h.env.dns, zone, 'MX')).rrset?.records, [`10 mx1.${zone}`]);
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queryRrset } from '../../activities/dns/query';
import { exampleRecommendation } from '../../src/examples';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone } from '../helpers/zones';

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

  it('refuses approval by the requester, the agent and for another plan hash, and records each refusal', async (t) => {
    const { id, zone, cs, rec, timings: tm } = await pending(t);
    await withWorker(h, id, { timings: tm }, async () => {
      await cs.submit(rec);
      const view = await cs.waitForState(id, ['awaiting_approval']);
      const planHash = view.approval?.planHash ?? '';
      const cases = [
        { principal: 'bob@example.com', planHash, code: 'excluded_principal' },
        { principal: 'aiops-dns-agent', planHash, code: 'excluded_principal' },
        { principal: 'alice@example.com', planHash: 'f'.repeat(64), code: 'plan_hash_mismatch' },
      ];
      for (const c of cases) {
        const { verdict } = await cs.decide(id, {
          principal: c.principal,
          decision: 'approve',
          reason: 'trying',
          planHash: c.planHash,
        });
        assert.equal(verdict.counted, false, c.principal);
        assert.equal(!verdict.counted && verdict.code, c.code, c.principal);
      }
      const now = await cs.status(id);
      assert.equal(now.state, 'awaiting_approval');
      assert.equal(now.approval?.state.approvals.length, 0);
      const { entries } = await cs.evidence(id);
      const refusals = entries
        .filter((e) => e.step === 'approve_refused')
        .map((e) => [e.actor, (e.data as { code: string }).code]);
      assert.deepEqual(
        refusals,
        cases.map((c) => [c.principal, c.code]),
      );
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.20']);
    });
  });

  it('a rejection ends the request and nothing is written', async (t) => {
    const { id, zone, cs, rec, timings: tm } = await pending(t);
    await withWorker(h, id, { timings: tm }, async () => {
      const { handle } = await cs.submit(rec);
      const planHash = (await cs.waitForState(id, ['awaiting_approval'])).approval?.planHash ?? '';
      const { verdict } = await cs.decide(id, {
        principal: 'alice@example.com',
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
          principal: 'alice@example.com',
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
      assert.equal((counted?.data as { channel: string }).channel, 'signal');
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
});

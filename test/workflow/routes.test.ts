import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queryRrset } from '../../activities/dns/query';
import { exampleRecommendation } from '../../src/examples';
import { verifyChain } from '../../src/evidence/chain';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { createTestZone } from '../helpers/zones';
import { eventually } from '../helpers/eventually';
import { historyText } from '../helpers/history-text';

const fast = { approvalExpirySeconds: 60, coolingOffSeconds: 2 };

describe('change workflow routes (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('executes a low-risk staging change automatically and the DNS server serves it', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'staging',
      change: {
        kind: 'dns.upsert_rrset',
        name: `www.${zone}`,
        type: 'A',
        ttl: 300,
        records: ['192.0.2.77', '192.0.2.78'],
      },
    });
    await withWorker(h, id, { timings: fast }, async () => {
      const { handle } = await cs.submit(rec);
      const result = await handle.result();
      assert.equal(result.view.state, 'executed');
      assert.equal(result.view.decision?.tier, 1);
      assert.equal(result.view.decision?.route, 'auto');
      const served = await queryRrset(h.env.dns, `www.${zone}`, 'A');
      assert.deepEqual(served.rrset?.records, ['192.0.2.77', '192.0.2.78']);
      const steps = result.evidence.map((e) => e.step);
      assert.deepEqual(steps, [
        'submitted',
        'classified',
        'staged',
        'checked',
        // Automatic: decided just before, so not checked a second time.
        'execute_applied',
        'verified',
        'close',
      ]);
      assert.equal(verifyChain(result.evidence).ok, true);
      // The provider credential never enters workflow history.
      const history = historyText(await handle.fetchHistory());
      assert.equal(history.includes(h.env.pdns.apiKey), false);
      assert.ok(history.includes(result.view.plan?.hash ?? 'no plan'));
    });
  });

  it('waits for one approval in production, then executes the approved plan', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      onBehalfOf: 'bob@example.com',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.21'] },
    });
    await withWorker(h, id, { timings: fast }, async () => {
      const { handle } = await cs.submit(rec);
      const waiting = await cs.waitForState(id, ['awaiting_approval']);
      assert.equal(waiting.state, 'awaiting_approval');
      assert.equal(waiting.approval?.required, 1);
      assert.equal(waiting.plan?.before?.records[0], '192.0.2.20');
      // Nothing is written while approval is pending.
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.20']);
      const { verdict } = await cs.decide(id, {
        key: h.key('alice@example.com'),
        decision: 'approve',
        reason: 'matches the incident runbook',
        planHash: waiting.approval?.planHash ?? '',
      });
      assert.equal(verdict.counted, true);
      const result = await handle.result();
      assert.equal(result.view.state, 'executed');
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.21']);
      const approval = result.evidence.find((e) => e.step === 'approve_counted');
      assert.equal(approval?.actor, 'alice@example.com');
      assert.equal((approval?.data as { planHash: string }).planHash, result.view.plan?.hash);
    });
  });

  it('closes a blocked change with its reasons and writes nothing', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      confidence: 0.99,
      change: { kind: 'dns.delete_rrset', name: zone, type: 'NS' },
    });
    await withWorker(h, id, { timings: fast }, async () => {
      const { handle } = await cs.submit(rec);
      const result = await handle.result();
      assert.equal(result.view.state, 'blocked');
      assert.equal(result.view.decision?.tier, 'blocked');
      assert.ok(result.view.decision?.reasons.some((r) => r.rule === 'never.allowed.apex_ns_delete'));
      assert.match(result.view.outcome?.message ?? '', /never\.allowed\.apex_ns_delete/);
      assert.equal((await queryRrset(h.env.dns, zone, 'NS')).rrset?.records.length, 2);
      assert.equal(
        result.evidence.some((e) => e.step.startsWith('execute')),
        false,
      );
    });
  });

  it('tier 3 needs two distinct approvers and a cooling-off delay before executing', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: {
        kind: 'dns.upsert_rrset',
        name: zone,
        type: 'MX',
        ttl: 3600,
        records: [`10 mx1.${zone}`, `20 mx2.${zone}`],
      },
    });
    await withWorker(h, id, { timings: fast }, async () => {
      const { handle } = await cs.submit(rec);
      const planHash = (await cs.waitForState(id, ['awaiting_approval'])).approval?.planHash ?? '';
      const click = {
        key: h.key('alice@example.com'),
        decision: 'approve' as const,
        reason: 'ok',
        planHash,
        requestId: `${id}-click`,
      };
      const first = await cs.decide(id, click);
      assert.equal(first.verdict.counted && first.verdict.status, 'pending');
      // A resent click (same request id) is idempotent: the first verdict comes back, counted once.
      assert.deepEqual((await cs.decide(id, click)).verdict, first.verdict);
      // A second decision by the same person is a new request, refused: one person counts once.
      const again = await cs.decide(id, {
        ...click,
        requestId: `${id}-again`,
      });
      assert.equal(!again.verdict.counted && again.verdict.code, 'duplicate_principal');
      // Through the Temporal UI's signal channel it does not count either; every refusal is evidence.
      await cs
        .handle(id)
        .signal('approve', { principal: 'alice@example.com', planHash, reason: 'from the UI' });
      await eventually(async () => {
        const { entries } = await cs.evidence(id);
        const refused = entries
          .filter((e) => e.step === 'approve_refused')
          .map((e) => e.data as { channel: string; code: string })
          .map(({ channel, code }) => ({ channel, code }));
        // Production dual control does not take the unsigned UI channel at all.
        assert.deepEqual(refused, [
          { channel: 'signed', code: 'duplicate_principal' },
          { channel: 'ui', code: 'channel_not_accepted' },
        ]);
      });
      assert.equal((await cs.status(id)).approval?.state.approvals.length, 1);
      const second = await cs.decide(id, {
        key: h.key('carol@example.com'),
        decision: 'approve',
        reason: 'second pair of eyes',
        planHash,
      });
      assert.equal(second.verdict.counted && second.verdict.status, 'approved');
      const cooling = await cs.waitForState(id, ['cooling_off', 'executed']);
      assert.equal(cooling.state, 'cooling_off');
      assert.notEqual(cooling.coolingOffUntil, null);
      // Still the old data during the delay.
      assert.deepEqual((await queryRrset(h.env.dns, zone, 'MX')).rrset?.records, [`10 mx1.${zone}`]);
      const result = await handle.result();
      assert.equal(result.view.state, 'executed');
      const steps = result.evidence.map((e) => e.step);
      assert.ok(steps.indexOf('cooling_off') < steps.indexOf('execute_applied'));
      const coolingAt = Date.parse(result.evidence.find((e) => e.step === 'cooling_off')?.at ?? '');
      const executedAt = Date.parse(result.evidence.find((e) => e.step === 'execute_applied')?.at ?? '');
      assert.ok(
        executedAt - coolingAt >= fast.coolingOffSeconds * 1000,
        `executed ${executedAt - coolingAt} ms after cooling-off began`,
      );
    });
  });

  it('a veto during cooling-off rejects the change and nothing is written', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: zone, type: 'MX', ttl: 3600, records: [`5 mx9.${zone}`] },
    });
    await withWorker(h, id, { timings: { approvalExpirySeconds: 60, coolingOffSeconds: 30 } }, async () => {
      const { handle } = await cs.submit(rec);
      const planHash = (await cs.waitForState(id, ['awaiting_approval'])).approval?.planHash ?? '';
      await cs.decide(id, { key: h.key('alice@example.com'), decision: 'approve', reason: 'ok', planHash });
      await cs.decide(id, { key: h.key('carol@example.com'), decision: 'approve', reason: 'ok', planHash });
      await cs.waitForState(id, ['cooling_off']);
      // The veto comes from one of the approvers, who changed their mind: a new decision, never a cached one.
      const veto = await cs.decide(id, {
        key: h.key('alice@example.com'),
        decision: 'reject',
        reason: 'mail migration freeze this week',
        planHash,
      });
      assert.equal(veto.verdict.counted, true);
      const result = await handle.result();
      assert.equal(result.view.state, 'rejected');
      assert.equal(result.view.outcome?.code, 'vetoed');
      assert.deepEqual((await queryRrset(h.env.dns, zone, 'MX')).rrset?.records, [`10 mx1.${zone}`]);
    });
  });

  it('refuses a no-op plan without writing', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'staging',
      change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.10'] },
    });
    await withWorker(h, id, { timings: fast }, async () => {
      const result = await (await cs.submit(rec)).handle.result();
      assert.equal(result.view.state, 'refused');
      assert.equal(result.view.outcome?.code, 'no_op');
    });
  });
});

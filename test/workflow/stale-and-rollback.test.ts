import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { queryRrset } from '../../activities/dns/query';
import { PowerDnsClient } from '../../activities/powerdns/client';
import { exampleRecommendation } from '../../src/examples';
import { startPowerDns } from '../../workers/stack/powerdns-server';
import type { PowerDnsServer } from '../../workers/stack/powerdns-server';
import { freePort } from '../../workers/stack/processes';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { createTestZone } from '../helpers/zones';
import { eventually } from '../helpers/eventually';

const timings = { approvalExpirySeconds: 60, coolingOffSeconds: 1 };

describe('stale plans and rollback (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  let secondary: PowerDnsServer;
  before(async () => {
    h = await openHarness();
    // A second authoritative server that never receives the change: a secondary that lags.
    secondary = await startPowerDns({
      dir: path.join(h.env.dataDir, 'pdns-lagging-secondary'),
      apiPort: await freePort(),
      dnsPort: await freePort(),
    });
  });
  after(async () => {
    await secondary.stop();
    await h.close();
  });

  it('does not write when live state changed between approval and execution; approvals are void', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.21'] },
    });
    await withWorker(h, id, { timings }, async () => {
      await cs.submit(rec);
      const first = await cs.waitForState(id, ['awaiting_approval']);
      const firstHash = first.approval?.planHash ?? '';
      // Someone changes the record by hand while the approver is reading the card.
      await h.pdns.writeRrset(zone, `api.${zone}`, 'A', {
        name: `api.${zone}`,
        type: 'A',
        ttl: 300,
        records: ['198.51.100.7'],
      });
      const { verdict } = await cs.decide(id, {
        key: h.key('alice@example.com'),
        decision: 'approve',
        reason: 'ok',
        planHash: firstHash,
      });
      assert.equal(verdict.counted, true);
      // Execution re-reads live state, finds neither before nor after, writes nothing and re-stages.
      const now = await eventually(async () => {
        const view = await cs.status(id);
        assert.equal(view.state, 'awaiting_approval');
        assert.notEqual(view.approval?.planHash, firstHash);
        return view;
      });
      assert.equal(now.approval?.state.approvals.length, 0);
      assert.deepEqual(now.plan?.before?.records, ['198.51.100.7']);
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['198.51.100.7']);
      // The old approval cannot be replayed onto the new plan.
      const replay = await cs.decide(id, {
        key: h.key('carol@example.com'),
        decision: 'approve',
        reason: 'old card',
        planHash: firstHash,
      });
      assert.equal(!replay.verdict.counted && replay.verdict.code, 'plan_hash_mismatch');
      const { entries } = await cs.evidence(id);
      const steps = entries.map((e) => e.step);
      assert.ok(steps.includes('execute_stale'));
      assert.ok(steps.includes('approvals_void'));
      await cs.handle(id).terminate('test done');
    });
  });

  it('rolls back to the previous state when an authoritative server does not serve the change', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const lagging = new PowerDnsClient({ apiUrl: secondary.apiUrl, apiKey: secondary.apiKey });
    await createTestZone(lagging, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'staging',
      change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.88'] },
    });
    await withWorker(h, id, { timings, verifyServers: [h.env.dns, secondary.dns] }, async () => {
      const { handle } = await cs.submit(rec);
      const result = await handle.result();
      assert.equal(result.view.state, 'rolled_back');
      assert.equal(result.view.outcome?.code, 'verification_failed');
      const steps = result.evidence.map((e) => e.step);
      assert.deepEqual(steps.slice(4), [
        'execute_applied',
        'verification_failed',
        'rollback_applied',
        'rollback_verified',
        'close',
      ]);
      assert.match(
        result.evidence.find((e) => e.step === 'verification_failed')?.summary ?? '',
        new RegExp(`${secondary.dns.port}`),
      );
      // The primary really changed and really changed back.
      assert.deepEqual((await queryRrset(h.env.dns, `www.${zone}`, 'A')).rrset?.records, ['192.0.2.10']);
    });
  });

  it('rolls back a created RRset by deleting it again', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    await createTestZone(new PowerDnsClient({ apiUrl: secondary.apiUrl, apiKey: secondary.apiKey }), id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'development',
      change: {
        kind: 'dns.upsert_rrset',
        name: `new.${zone}`,
        type: 'TXT',
        ttl: 300,
        records: ['hello world'],
      },
    });
    await withWorker(h, id, { timings, verifyServers: [h.env.dns, secondary.dns] }, async () => {
      const result = await (await cs.submit(rec)).handle.result();
      assert.equal(result.view.state, 'rolled_back');
      const served = await queryRrset(h.env.dns, `new.${zone}`, 'TXT');
      assert.equal(served.rrset, null);
    });
  });

  it('never rolls back a state it did not write, even when it fails verification', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    await createTestZone(new PowerDnsClient({ apiUrl: secondary.apiUrl, apiKey: secondary.apiKey }), id);
    const cs = h.countersign(id);
    const after = { name: `api.${zone}`, type: 'A' as const, ttl: 300, records: ['192.0.2.66'] };
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', ...after },
    });
    await withWorker(h, id, { timings, verifyServers: [h.env.dns, secondary.dns] }, async () => {
      const { handle } = await cs.submit(rec);
      const planHash = (await cs.waitForState(id, ['awaiting_approval'])).approval?.planHash ?? '';
      // Someone applies exactly the proposed state by hand while approval is pending.
      await h.pdns.writeRrset(zone, after.name, 'A', after);
      await cs.decide(id, { key: h.key('alice@example.com'), decision: 'approve', reason: 'ok', planHash });
      const result = await handle.result();
      assert.equal(result.view.state, 'failed');
      assert.equal(result.view.outcome?.code, 'verification_failed');
      const steps = result.evidence.map((e) => e.step);
      assert.ok(steps.includes('execute_already_applied'));
      assert.equal(
        result.evidence.find((e) => e.step === 'execute_already_applied')?.summary,
        'execute: already there, written by someone else; nothing written',
      );
      assert.equal(
        steps.some((s) => s.startsWith('rollback')),
        false,
      );
      assert.deepEqual((await queryRrset(h.env.dns, after.name, 'A')).rrset?.records, ['192.0.2.66']);
    });
  });

  it('live state changed during the cooling-off delay: nothing is written, approvals are void', async (t) => {
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
        records: [`10 mx1.${zone}`, `30 mx3.${zone}`],
      },
    });
    await withWorker(h, id, { timings: { approvalExpirySeconds: 60, coolingOffSeconds: 3 } }, async () => {
      await cs.submit(rec);
      const planHash = (await cs.waitForState(id, ['awaiting_approval'])).approval?.planHash ?? '';
      await cs.decide(id, { key: h.key('alice@example.com'), decision: 'approve', reason: 'ok', planHash });
      await cs.decide(id, { key: h.key('carol@example.com'), decision: 'approve', reason: 'ok', planHash });
      await cs.waitForState(id, ['cooling_off']);
      await h.pdns.writeRrset(zone, zone, 'MX', {
        name: zone,
        type: 'MX',
        ttl: 3600,
        records: [`20 mx2.${zone}`],
      });
      const again = await eventually(async () => {
        const view = await cs.status(id);
        assert.equal(view.state, 'awaiting_approval');
        assert.notEqual(view.approval?.planHash, planHash);
        return view;
      }, 20_000);
      assert.deepEqual(again.plan?.before?.records, [`20 mx2.${zone}`]);
      assert.deepEqual((await queryRrset(h.env.dns, zone, 'MX')).rrset?.records, [`20 mx2.${zone}`]);
      const { entries } = await cs.evidence(id);
      assert.ok(entries.some((e) => e.step === 'execute_stale'));
      await cs.handle(id).terminate('test done');
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queryRrset } from '../../activities/dns/query';
import { exampleRecommendation } from '../../src/examples';
import type { EvidenceEntry } from '../../src/evidence/chain';
import type { DnsFaultProxy } from '../helpers/dns-fault-proxy';
import { startDnsFaultProxy } from '../helpers/dns-fault-proxy';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone } from '../helpers/zones';

/**
 * An authoritative server that does not answer is not one that answers wrongly: after a write,
 * silence (unreachable, timeout, SERVFAIL) is re-verified for the policy's patience and then
 * escalated; only a server serving other data makes a change roll back.
 */
describe('verification: inconclusive versus mismatch (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  let proxy: DnsFaultProxy;
  before(async () => {
    h = await openHarness();
    proxy = await startDnsFaultProxy(h.env.dns);
  });
  after(async () => {
    await proxy.close();
    await h.close();
  });

  async function change(t: { name: string }) {
    const id = slug(t as never);
    const zone = await createTestZone(h.pdns, id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'staging',
      change: {
        kind: 'dns.upsert_rrset',
        name: `www.${zone}`,
        type: 'A',
        ttl: 300,
        records: ['192.0.2.111'],
      },
    });
    return { id, zone, rec, cs: h.countersign(id) };
  }
  const steps = (entries: readonly EvidenceEntry[]) => entries.map((e) => e.step);

  for (const fault of ['drop', 'servfail'] as const) {
    it(`servers ${fault === 'drop' ? 'silent' : 'answering SERVFAIL'} for a while after the write: keeps verifying, then executes, no rollback`, async (t) => {
      const { id, zone, rec, cs } = await change(t);
      proxy.mode = fault;
      const timings = { approvalExpirySeconds: 60, coolingOffSeconds: 1, verificationPatienceSeconds: 60 };
      await withWorker(h, id, { timings, verifyServers: [proxy.address] }, async () => {
        const { handle } = await cs.submit(rec);
        await eventually(async () => {
          const { entries } = await cs.evidence(id);
          assert.ok(steps(entries).includes('verification_inconclusive'));
        }, 30_000);
        assert.ok(proxy.seen[fault] > 0, 'the fault was exercised');
        proxy.mode = 'pass';
        const result = await handle.result();
        assert.equal(result.view.state, 'executed', result.view.outcome?.message);
        const seen = steps(result.evidence);
        assert.ok(!seen.some((s) => s.startsWith('rollback')), seen.join(', '));
        assert.ok(!seen.includes('verification_failed'), 'silence is never reported as a mismatch');
        assert.deepEqual((await queryRrset(h.env.dns, `www.${zone}`, 'A')).rrset?.records, ['192.0.2.111']);
      });
    });
  }

  it('servers silent beyond the patience: escalates and fails without rolling back', async (t) => {
    const { id, zone, rec, cs } = await change(t);
    proxy.mode = 'drop';
    const timings = { approvalExpirySeconds: 60, coolingOffSeconds: 1, verificationPatienceSeconds: 3 };
    try {
      await withWorker(h, id, { timings, verifyServers: [proxy.address] }, async () => {
        const result = await (await cs.submit(rec)).handle.result();
        assert.equal(result.view.state, 'failed');
        assert.equal(result.view.outcome?.code, 'verification_inconclusive');
        assert.match(result.view.outcome?.message ?? '', /not rolled back/);
        const escalated = result.evidence.find((e) => e.step === 'escalated');
        assert.equal((escalated?.data as { kind?: string } | undefined)?.kind, 'verification');
        assert.ok(!steps(result.evidence).some((s) => s.startsWith('rollback')));
        // The write stands: the server the change went to still serves it.
        assert.deepEqual((await queryRrset(h.env.dns, `www.${zone}`, 'A')).rrset?.records, ['192.0.2.111']);
      });
    } finally {
      proxy.mode = 'pass';
    }
  });
});

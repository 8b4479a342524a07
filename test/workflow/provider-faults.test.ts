import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { queryRrset } from '../../activities/dns/query';
import { PowerDnsClient } from '../../activities/powerdns/client';
import { exampleRecommendation } from '../../src/examples';
import type { HttpFault, HttpFaultProxy } from '../../chaos/http-fault-proxy';
import { startHttpFaultProxy } from '../../chaos/http-fault-proxy';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { createTestZone, zoneSerial } from '../helpers/zones';
import type { PowerDnsServer } from '../../workers/stack/powerdns-server';
import { startPowerDns } from '../../workers/stack/powerdns-server';
import { freePort } from '../../workers/stack/processes';

/**
 * The provider misbehaving under a change: 5xx answers, slowness, a write whose answer is lost.
 * Writes are counted by PowerDNS itself: it bumps the zone's SOA serial on every PATCH.
 */
describe('provider faults during execution (real Temporal, real PowerDNS behind a fault proxy)', () => {
  let h: Harness;
  let proxy: HttpFaultProxy;
  before(async () => {
    h = await openHarness();
    proxy = await startHttpFaultProxy(h.env.pdns.apiUrl);
  });
  after(async () => {
    await proxy.close();
    await h.close();
  });

  const serial = (zone: string) => zoneSerial(h.pdns, zone);

  /** An automatic change (staging, confident) of www A in a fresh zone. */
  async function stagingChange(t: { name: string }, address: string) {
    const id = slug(t as never);
    const zone = await createTestZone(h.pdns, id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'staging',
      change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl: 300, records: [address] },
    });
    return { zone, rec, cs: h.countersign(id) };
  }

  /** Faults the first `times` writes (PATCH) with `fault`, passes everything else. */
  function faultWrites(fault: HttpFault, times: number): void {
    let left = times;
    proxy.rule = (method) => (method === 'PATCH' && left-- > 0 ? fault : 'pass');
  }

  const cases: { name: string; arm: () => void; fault: HttpFault }[] = [
    {
      name: 'PowerDNS answers 503 to the first two writes',
      arm: () => faultWrites('unavailable', 2),
      fault: 'unavailable',
    },
    {
      name: 'the write lands but its answer is lost',
      arm: () => faultWrites('lose-answer', 1),
      fault: 'lose-answer',
    },
    { name: 'every API call is slow', arm: () => (proxy.rule = () => 'slow'), fault: 'slow' },
  ];
  for (const c of cases) {
    it(`${c.name}: executes with exactly one write, verified`, async (t) => {
      const { zone, rec, cs } = await stagingChange(t, '192.0.2.123');
      const id = rec.id;
      const seenBefore = proxy.seen[c.fault];
      const serialBefore = await serial(zone);
      c.arm();
      try {
        const powerdns = new PowerDnsClient({ apiUrl: proxy.url, apiKey: h.env.pdns.apiKey });
        await withWorker(h, id, { powerdns }, async () => {
          const result = await (await cs.submit(rec)).handle.result();
          assert.equal(result.view.state, 'executed', result.view.outcome?.message);
        });
      } finally {
        proxy.rule = () => 'pass';
      }
      assert.ok(proxy.seen[c.fault] > seenBefore, 'the fault was exercised');
      assert.equal((await serial(zone)) - serialBefore, 1, 'PowerDNS saw exactly one write');
      assert.deepEqual((await queryRrset(h.env.dns, `www.${zone}`, 'A')).rrset?.records, ['192.0.2.123']);
    });
  }

  // Takes as long as the execute activity's bounded retries (about a minute and a half).
  it('PowerDNS refuses every write: bounded retries, then failed, nothing written, escalated', async (t) => {
    const { zone, rec, cs } = await stagingChange(t, '192.0.2.124');
    const id = rec.id;
    const serialBefore = await serial(zone);
    proxy.rule = (method) => (method === 'PATCH' ? 'unavailable' : 'pass');
    try {
      const powerdns = new PowerDnsClient({ apiUrl: proxy.url, apiKey: h.env.pdns.apiKey });
      await withWorker(h, id, { powerdns }, async () => {
        const result = await (await cs.submit(rec)).handle.result();
        assert.equal(result.view.state, 'failed');
        assert.equal(result.view.outcome?.code, 'ProviderUnavailable');
        const escalated = result.evidence.find((e) => e.step === 'escalated');
        const payload = escalated?.data as { kind?: string; risk?: string } | undefined;
        assert.equal(payload?.kind, 'provider');
        assert.match(payload?.risk ?? '', /whether plan [0-9a-f]{16} was written is unknown/);
        assert.ok(!result.evidence.some((e) => e.step === 'verified'), 'never claims a verified change');
      });
    } finally {
      proxy.rule = () => 'pass';
    }
    assert.equal(await serial(zone), serialBefore, 'nothing was written');
    assert.deepEqual((await queryRrset(h.env.dns, `www.${zone}`, 'A')).rrset?.records, ['192.0.2.10']);
  });

  describe('who wrote it, when an answer is lost (verification set to fail: a secondary that never gets the change)', () => {
    let secondary: PowerDnsServer;
    before(async () => {
      secondary = await startPowerDns({
        dir: path.join(h.env.dataDir, `pdns-authorship-secondary-${process.pid}`),
        apiPort: await freePort(),
        dnsPort: await freePort(),
      });
    });
    after(async () => {
      await secondary.stop();
    });

    async function failingChange(t: { name: string }, address: string) {
      const change = await stagingChange(t, address);
      await createTestZone(
        new PowerDnsClient({ apiUrl: secondary.apiUrl, apiKey: secondary.apiKey }),
        change.rec.id,
      );
      return change;
    }

    it('the write lands, its answer is lost: the retry knows it by its stamp, and rolls back', async (t) => {
      const { zone, rec, cs } = await failingChange(t, '192.0.2.131');
      const serialBefore = await serial(zone);
      faultWrites('lose-answer', 1);
      try {
        const powerdns = new PowerDnsClient({ apiUrl: proxy.url, apiKey: h.env.pdns.apiKey });
        await withWorker(h, rec.id, { powerdns, verifyServers: [h.env.dns, secondary.dns] }, async () => {
          const result = await (await cs.submit(rec)).handle.result();
          assert.equal(result.view.state, 'rolled_back', result.view.outcome?.message);
          const executed = result.evidence.find((e) => e.step.startsWith('execute_'));
          assert.equal(executed?.step, 'execute_applied');
          assert.equal((executed?.data as { acknowledgementLost?: string }).acknowledgementLost, 'stamp');
          assert.match(executed?.summary ?? '', /applied, acknowledgement lost \(this write's own stamp/);
          assert.ok(result.evidence.some((e) => e.step === 'rollback_applied'));
          assert.ok(!result.evidence.some((e) => /not written by this change/.test(e.summary)));
        });
      } finally {
        proxy.rule = () => 'pass';
      }
      assert.equal((await serial(zone)) - serialBefore, 2, 'the change and its rollback, nothing more');
      assert.deepEqual((await queryRrset(h.env.dns, `www.${zone}`, 'A')).rrset?.records, ['192.0.2.10']);
    });

    it('someone else writes the same state between two attempts: theirs, never rolled back', async (t) => {
      const { zone, rec, cs } = await failingChange(t, '192.0.2.132');
      const theirs = { name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.132'] };
      let written: Promise<void> | undefined;
      let left = 1;
      // The first write is refused before it reaches PowerDNS; meanwhile someone writes the same
      // records directly (no stamp). The retry finds them: not this change's write.
      proxy.rule = (method) => {
        if (method !== 'PATCH' || left-- <= 0) return 'pass';
        written = h.pdns.writeRrset(zone, theirs.name, 'A', theirs);
        return 'unavailable';
      };
      try {
        const powerdns = new PowerDnsClient({ apiUrl: proxy.url, apiKey: h.env.pdns.apiKey });
        await withWorker(h, rec.id, { powerdns, verifyServers: [h.env.dns, secondary.dns] }, async () => {
          const result = await (await cs.submit(rec)).handle.result();
          assert.equal(result.view.state, 'failed');
          assert.equal(result.view.outcome?.code, 'verification_failed');
          const executed = result.evidence.find((e) => e.step.startsWith('execute_'));
          assert.equal(executed?.step, 'execute_already_applied');
          assert.equal(executed?.summary, 'execute: already there, written by someone else; nothing written');
          assert.ok(!result.evidence.some((e) => e.step.startsWith('rollback')));
        });
      } finally {
        proxy.rule = () => 'pass';
      }
      await written;
      assert.deepEqual((await queryRrset(h.env.dns, `www.${zone}`, 'A')).rrset?.records, ['192.0.2.132']);
    });
  });
});

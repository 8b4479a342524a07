import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dsFor } from '../../activities/dns/ds-check';
import { queryRrset } from '../../activities/dns/query';
import { exampleRecommendation } from '../../src/examples';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { createTestZone } from '../helpers/zones';

const childKey =
  '257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==';

/** Another valid P-256 public key (64 bytes). */
const otherKey = `257 3 13 ${Buffer.alloc(64, 7).toString('base64')}`;

describe('DNSSEC changes in the DNS half (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('a DS matching the child DNSKEY is governed (never automatic) and served; a mismatched one is refused', async (t) => {
    const id = slug(t);
    const parent = await createTestZone(h.pdns, id);
    const child = `sec.${parent}`;
    await h.pdns.createZone(
      child,
      [`ns1.${parent}`],
      [{ name: child, type: 'DNSKEY', ttl: 3600, records: [childKey] }],
    );
    const good = dsFor(child, childKey, 2) as string;
    const ds = (suffix: string, records: string[]) =>
      exampleRecommendation({
        id: `${id}-${suffix}`,
        zone: parent,
        environment: 'staging',
        change: { kind: 'dns.upsert_rrset', name: child, type: 'DS', ttl: 3600, records },
      });
    const cs = h.countersign(id);
    await withWorker(h, id, {}, async () => {
      const wrong = good.replace(
        / ([0-9a-f]{4})/,
        (_m, hex: string) => ` ${hex === 'ffff' ? '0000' : 'ffff'}`,
      );
      const refused = await (await cs.submit(ds('wrong', [wrong]))).handle.result();
      assert.equal(refused.view.state, 'refused');
      assert.equal(refused.view.outcome?.code, 'ds_mismatch');
      assert.match(refused.view.outcome?.message ?? '', /matches no DNSKEY .* publishes \(key tags \d+\)/);
      assert.equal(await h.pdns.getRrset(parent, child, 'DS'), null, 'nothing was written');

      const submitted = await cs.submit(ds('right', [good]));
      const waiting = await cs.waitForState(`${id}-right`, ['awaiting_approval']);
      assert.equal(waiting.decision?.tier, 2);
      assert.ok(waiting.decision?.reasons.some((r) => r.rule === 'never.automatic.dnssec'));
      const planHash = waiting.approval?.planHash ?? '';
      const verdict = await cs.decide(`${id}-right`, {
        key: h.key('alice@example.com'),
        decision: 'approve',
        reason: 'DS matches the new KSK',
        planHash,
      });
      assert.equal(verdict.verdict.counted, true, verdict.verdict.message);
      const done = await submitted.handle.result();
      assert.equal(done.view.state, 'executed', done.view.outcome?.message);
      assert.deepEqual((await queryRrset(h.env.dns, child, 'DS')).rrset?.records, [good]);

      // With the chain of trust in place, removing the last DS or the key it points to is dual control.
      const removeDs = await cs.submit(
        exampleRecommendation({
          id: `${id}-unsign`,
          zone: parent,
          environment: 'staging',
          change: { kind: 'dns.delete_rrset', name: child, type: 'DS' },
        }),
      );
      const rollKey = await cs.submit(
        exampleRecommendation({
          id: `${id}-roll`,
          zone: child,
          environment: 'staging',
          change: { kind: 'dns.upsert_rrset', name: child, type: 'DNSKEY', ttl: 3600, records: [otherKey] },
        }),
      );
      for (const [suffix, pattern] of [
        ['unsign', /removes the last DS of .* which is signed/],
        ['roll', /would match none of .* keys/],
      ] as const) {
        const view = await cs.waitForState(`${id}-${suffix}`, ['awaiting_approval']);
        assert.equal(
          view.decision?.tier,
          3,
          `${suffix}: ${view.decision?.reasons.map((r) => r.rule).join(', ')}`,
        );
        const reason = view.decision?.reasons.find((r) => r.rule === 'dnssec.breaks_chain');
        assert.match(reason?.message ?? '', pattern);
      }
      await removeDs.handle.cancel();
      await rollKey.handle.cancel();
    });
  });
});

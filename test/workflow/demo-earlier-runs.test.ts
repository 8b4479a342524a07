import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exampleRecommendation } from '../../src/examples';
import { closeEarlierChanges } from '../../workers/demo/earlier-runs';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { createTestZone } from '../helpers/zones';

describe('the demo starts clean (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it("cancels what an earlier run left waiting, and nothing of this run's or anyone else's", async (t) => {
    const queue = slug(t);
    const zone = await createTestZone(h.pdns, queue);
    const waitingChange = (id: string, host: string) =>
      exampleRecommendation({
        id,
        zone,
        environment: 'production',
        change: {
          kind: 'dns.upsert_rrset',
          name: `${host}.${zone}`,
          type: 'A',
          ttl: 300,
          records: ['192.0.2.47'],
        },
      });
    const earlier = `demo-1999-${queue}`;
    const current = `demo-2000-${queue}`;
    const ids = [`${earlier}-a`, `${earlier}-b`, `${current}-a`, `ops-${queue}`];
    await withWorker(h, queue, {}, async () => {
      const cs = h.countersign(queue);
      for (const [i, id] of ids.entries()) {
        await cs.submit(waitingChange(id, `host${i}`));
        await cs.waitForState(id, ['awaiting_approval']);
      }
      const asked = await closeEarlierChanges(h.client, [queue], `change-${current}-`);
      assert.equal(asked, 2);
      for (const id of [`${earlier}-a`, `${earlier}-b`]) {
        const closed = await cs.waitForState(id, ['cancelled']);
        assert.equal(closed.state, 'cancelled');
      }
      for (const id of [`${current}-a`, `ops-${queue}`]) {
        assert.equal((await cs.status(id)).state, 'awaiting_approval', `${id} must be left alone`);
        await cs.handle(id).terminate('test done');
      }
    });
  });
});

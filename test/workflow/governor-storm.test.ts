import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exampleRecommendation } from '../../src/examples';
import type { ChangeView } from '../../src/change/view';
import { withGovernor, withTimings } from '../../src/policy/overrides';
import { staticPolicySource } from '../../activities/policy/policy-store';
import type { Harness } from '../helpers/env';
import { defaultPolicy, openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone, zoneSerial } from '../helpers/zones';

/**
 * The storm: an AIOps system that suddenly proposes 200 changes for one zone. The zone's budgets
 * decide what runs by itself, what waits for approval and what waits in the review queue; nothing
 * is lost, nothing runs twice, and the queue drains in arrival order as the window rolls. The
 * governor is told to continue-as-new every few hundred events, so it does so under this load.
 */
const storm = 200;
const proposals = 50;
const automatic = 5;
const windowSeconds = 45;

describe('governor: a storm of recommendations for one zone (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('runs exactly the automatic budget, holds the rest with reasons, drains the queue in order', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const policy = withGovernor(withTimings(await defaultPolicy, { approvalExpirySeconds: 3600 }), {
      zone: {
        budgets: {
          proposals: { limit: proposals, window: `${windowSeconds}s` },
          automaticExecutions: { limit: automatic, window: '1h' },
        },
      },
    });
    const recs = Array.from({ length: storm }, (_, i) =>
      exampleRecommendation({
        id: `${id}-${String(i).padStart(3, '0')}`,
        zone,
        environment: 'staging',
        change: {
          kind: 'dns.upsert_rrset',
          name: `h${i}.${zone}`,
          type: 'A',
          ttl: 300,
          records: ['192.0.2.1'],
        },
      }),
    );
    const serialBefore = await zoneSerial(h.pdns, zone);
    const scope = { kind: 'zone' as const, name: zone };
    await withWorker(h, id, { policy: staticPolicySource(policy), governorHistoryLimit: 400 }, async () => {
      await Promise.all(recs.map((rec) => cs.submit(rec)));
      t.diagnostic(`submitted ${storm} recommendations for ${zone}`);
      const views = async () => Promise.all(recs.map((rec) => cs.status(rec.id)));
      const count = (all: ChangeView[], state: string) => all.filter((v) => v.state === state).length;
      let shown = '';
      const progress = (all: ChangeView[]) => {
        const line = ['validating', 'classifying', 'queued', 'awaiting_approval', 'executed']
          .map((state) => `${state} ${count(all, state)}`)
          .join(', ');
        if (line !== shown) t.diagnostic(line);
        shown = line;
      };

      // Settled: the first window's proposals are admitted, the rest queued.
      let settled: ChangeView[] = [];
      await eventually(async () => {
        settled = await views();
        progress(settled);
        assert.equal(count(settled, 'executed'), automatic);
        assert.equal(count(settled, 'awaiting_approval'), proposals - automatic);
        assert.equal(count(settled, 'queued'), storm - proposals);
      }, 120_000);
      for (const v of settled.filter((s) => s.state === 'awaiting_approval')) {
        const rerouted = v.governor?.rerouted;
        assert.equal(rerouted?.code, 'budget', `${v.workflowId} says why it waits`);
        assert.equal(rerouted?.limit, 'automaticExecutions');
        assert.equal(rerouted?.used, automatic);
        assert.equal(rerouted?.max, automatic);
        assert.ok(rerouted?.whatToDo.some((w) => w.includes('raise governor.zone')));
        assert.equal(v.decision?.route, 'approval');
        assert.ok(v.decision?.reasons.some((r) => r.rule === 'governor.budget'));
      }
      for (const v of settled.filter((s) => s.state === 'queued')) {
        assert.equal(v.governor?.hold?.code, 'queue');
        assert.ok((v.governor?.hold?.position ?? 0) >= 1);
        assert.ok(v.governor?.hold?.resetsAt, 'a queued change says when the window next allows');
      }
      const queueBefore = (await cs.governorStatus(scope)).queue.map((q) => q.changeId);
      assert.equal(queueBefore.length, storm - proposals);

      // The windows roll: every queued change is admitted, in the order it arrived.
      await eventually(async () => {
        const all = await views();
        assert.equal(count(all, 'queued'), 0);
        assert.equal(count(all, 'executed'), automatic);
        assert.equal(count(all, 'awaiting_approval'), storm - automatic);
      }, 180_000);
      const status = await cs.governorStatus(scope);
      const admittedOrder = status.recentAdmissions
        .map((a) => a.changeId)
        .filter((c) => queueBefore.includes(c));
      assert.deepEqual(admittedOrder, queueBefore, 'the queue drained in arrival order');
      assert.equal(status.counters.admitted, storm);
      assert.equal(status.counters.queued, storm - proposals);
      assert.equal(status.queue.length, 0);
      assert.equal(
        status.awaitingApproval.length,
        storm - automatic,
        'the status lists every change waiting for people',
      );
      assert.ok(status.run > 1, `the governor continued-as-new under load (run ${status.run})`);
      assert.equal(
        (await zoneSerial(h.pdns, zone)) - serialBefore,
        automatic,
        'PowerDNS saw exactly the budgeted writes',
      );

      const waiting = (await views()).filter((v) => v.state === 'awaiting_approval');
      await Promise.all(
        waiting.map((v) => h.client.workflow.getHandle(v.workflowId).terminate('storm test done')),
      );
    });
  });
});

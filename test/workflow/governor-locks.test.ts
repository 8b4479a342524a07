import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { queryRrset } from '../../activities/dns/query';
import { PowerDnsClient } from '../../activities/powerdns/client';
import { staticPolicySource } from '../../activities/policy/policy-store';
import { exampleRecommendation } from '../../src/examples';
import type { ChangeResult } from '../../src/change/view';
import { GovernorActionError } from '../../src/client/governor-client';
import { generateApproverKey } from '../../src/client/approver-keys';
import type { Policy } from '../../src/policy/policy-schema';
import { withGovernor, withTimings } from '../../src/policy/overrides';
import { rrsetEquals } from '../../src/plan/plan';
import { governorWorkflowId } from '../../src/governor/scope';
import { startPowerDns } from '../../workers/stack/powerdns-server';
import type { PowerDnsServer } from '../../workers/stack/powerdns-server';
import { freePort } from '../../workers/stack/processes';
import type { Harness } from '../helpers/env';
import { defaultPolicy, openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone, zoneSerial } from '../helpers/zones';

const timings = { approvalExpirySeconds: 600, coolingOffSeconds: 1 };
/** An automatic change (staging, confident) setting one A record. */
const stagingA = (id: string, zone: string, name: string, address: string) =>
  exampleRecommendation({
    id,
    zone,
    environment: 'staging',
    change: { kind: 'dns.upsert_rrset', name, type: 'A', ttl: 300, records: [address] },
  });
const governed = async (governor: Policy['governor']) =>
  staticPolicySource(withGovernor(withTimings(await defaultPolicy, timings), governor));

describe('governor: one writer per RRset, the circuit breaker, flapping (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  let secondary: PowerDnsServer;
  before(async () => {
    h = await openHarness();
    // A second authoritative server that never receives changes: every verification against it fails.
    secondary = await startPowerDns({
      dir: path.join(h.env.dataDir, 'pdns-governor-lagging'),
      apiPort: await freePort(),
      dnsPort: await freePort(),
    });
  });
  after(async () => {
    await secondary.stop();
    await h.close();
  });

  for (const writers of [2, 10]) {
    it(`${writers} concurrent changes to one RRset execute one at a time, each on the previous result`, async (t) => {
      const id = slug(t);
      const zone = await createTestZone(h.pdns, id);
      const cs = h.countersign(id);
      const name = `www.${zone}`;
      const recs = Array.from({ length: writers }, (_, i) =>
        stagingA(`${id}-${i}`, zone, name, `192.0.2.${100 + i}`),
      );
      const serialBefore = await zoneSerial(h.pdns, zone);
      await withWorker(h, id, { policy: await governed({}) }, async () => {
        const handles = await Promise.all(recs.map(async (rec) => (await cs.submit(rec)).handle));
        const results: ChangeResult[] = await Promise.all(handles.map((handle) => handle.result()));
        for (const r of results)
          assert.equal(r.view.state, 'executed', `${r.view.workflowId}: ${r.view.outcome?.message}`);
        const at = (r: ChangeResult) => r.evidence.find((e) => e.step === 'execute_applied')?.at ?? '';
        const order = [...results].sort((a, b) => at(a).localeCompare(at(b)));
        for (let i = 1; i < order.length; i++) {
          const previous = order[i - 1]?.view.plan;
          const plan = order[i]?.view.plan;
          assert.ok(previous && plan);
          assert.ok(
            rrsetEquals(plan.before, previous.after),
            `change ${i} was staged on what change ${i - 1} left`,
          );
        }
        const waited = results.filter((r) => r.evidence.some((e) => e.step === 'held'));
        assert.ok(waited.length >= 1, 'a change that found the RRset taken waited, visibly');
        for (const r of waited) {
          const held = r.evidence.find((e) => e.step === 'held')?.data as { code: string; limit: string };
          assert.equal(held.code, 'lock');
        }
        const last = order[order.length - 1]?.view.plan;
        const live = await queryRrset(h.env.dns, name, 'A');
        assert.deepEqual(
          live.rrset?.records,
          last?.after?.records,
          'the last change to run is what is served',
        );
        assert.equal(
          (await zoneSerial(h.pdns, zone)) - serialBefore,
          writers,
          'one write per change, none lost',
        );
        const status = await cs.governorStatus({ kind: 'zone', name: zone });
        assert.deepEqual(status.locks, [], 'every lock was released');
        assert.equal(status.inFlight, 0);
      });
    });
  }

  it('opens the breaker after the configured failures, routes automation to approval, closes only on a verified reset', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    await createTestZone(new PowerDnsClient({ apiUrl: secondary.apiUrl, apiKey: secondary.apiKey }), id);
    const cs = h.countersign(id);
    const scope = { kind: 'zone' as const, name: zone };
    const rec = (n: number) => stagingA(`${id}-${n}`, zone, `b${n}.${zone}`, '192.0.2.9');
    const policy = await governed({ zone: { breaker: { failures: 2, window: '1h', resetRoles: ['sre'] } } });
    await withWorker(h, id, { policy, verifyServers: [h.env.dns, secondary.dns] }, async () => {
      for (const n of [1, 2]) {
        const result = await (await cs.submit(rec(n))).handle.result();
        assert.equal(result.view.state, 'rolled_back');
      }
      const opened = await cs.governorStatus(scope);
      assert.equal(opened.breaker.state, 'open');
      assert.match(opened.breaker.why ?? '', /2 failures/);
      assert.ok(opened.events.some((e) => e.step === 'breaker_opened'));

      const { handle } = await cs.submit(rec(3));
      await eventually(
        async () => assert.equal((await cs.status(`${id}-3`)).state, 'awaiting_approval'),
        30_000,
      );
      const held = await cs.status(`${id}-3`);
      assert.equal(held.decision?.route, 'approval');
      assert.equal(held.governor?.rerouted?.code, 'breaker');
      assert.ok(held.governor?.rerouted?.whatToDo.some((w) => w.includes(`governor reset zone:${zone}`)));

      // Unverified resets change nothing: a stranger's key, a principal without the role, no reason.
      const stranger = { ...generateApproverKey('alice@example.com', h.key('alice@example.com').keyId) };
      await assert.rejects(
        cs.resetBreaker(scope, { key: stranger, reason: 'looks fine' }),
        GovernorActionError,
      );
      await assert.rejects(
        cs.resetBreaker(scope, { key: h.key('dave@example.com'), reason: 'looks fine' }),
        /roles/,
      );
      await assert.rejects(
        cs.resetBreaker(scope, { key: h.key('alice@example.com'), reason: ' ' }),
        /reason/,
      );
      assert.equal((await cs.governorStatus(scope)).breaker.state, 'open');

      const reset = await cs.resetBreaker(scope, {
        key: h.key('alice@example.com'),
        reason: 'secondary fixed, checked by hand',
      });
      assert.equal(reset.reset, true);
      const closed = await cs.governorStatus(scope);
      assert.equal(closed.breaker.state, 'closed');
      assert.ok(closed.events.some((e) => e.step === 'breaker_reset' && e.actor === 'alice@example.com'));

      // Automation flows again: the next change is not re-routed (it still fails against the lagging secondary).
      const after = await (await cs.submit(rec(4))).handle.result();
      assert.equal(after.view.decision?.route, 'auto');
      assert.equal(after.view.governor?.rerouted, null);
      await handle.terminate('test done');
    });
  });

  it('flags a change that undoes one executed moments ago and sends it to approval', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const name = `www.${zone}`;
    const change = (records: string[]) => ({
      kind: 'dns.upsert_rrset' as const,
      name,
      type: 'A' as const,
      ttl: 300,
      records,
    });
    const policy = await governed({ flapping: { repeats: 5, window: '1h', reversalWindow: '1h', tier: 2 } });
    await withWorker(h, id, { policy }, async () => {
      const first = await (
        await cs.submit(
          exampleRecommendation({
            id: `${id}-a`,
            zone,
            environment: 'staging',
            change: change(['192.0.2.55']),
          }),
        )
      ).handle.result();
      assert.equal(first.view.state, 'executed');
      const { handle } = await cs.submit(
        exampleRecommendation({
          id: `${id}-b`,
          zone,
          environment: 'staging',
          change: change(['192.0.2.10']),
        }),
      );
      await eventually(
        async () => assert.equal((await cs.status(`${id}-b`)).state, 'awaiting_approval'),
        30_000,
      );
      const view = await cs.status(`${id}-b`);
      assert.equal(view.governor?.flags[0]?.kind, 'reverses');
      assert.match(view.governor?.flags[0]?.message ?? '', new RegExp(`undoes change-${id}-a`));
      assert.equal(view.decision?.tier, 2);
      assert.ok(view.decision?.reasons.some((r) => r.rule === 'governor.flapping.reverses'));
      assert.equal((await cs.governorStatus({ kind: 'zone', name: zone })).counters.flagged, 1);
      await handle.terminate('test done');
    });
  });

  it('passes a lock on when its holder vanishes (terminated mid-verification) once the lease ends', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const name = `www.${zone}`;
    const rec = (n: number) => stagingA(`${id}-${n}`, zone, name, `192.0.2.${70 + n}`);
    // A silent second server: verification stays inconclusive, so the first change holds the lock.
    const silent = { host: '127.0.0.1', port: await freePort() };
    const policy = staticPolicySource(
      withGovernor(withTimings(await defaultPolicy, { ...timings, verificationPatienceSeconds: 120 }), {
        lease: '3s',
      }),
    );
    await withWorker(h, id, { policy, verifyServers: [h.env.dns, silent] }, async () => {
      const first = await cs.submit(rec(1));
      await eventually(async () => assert.equal((await cs.status(`${id}-1`)).state, 'verifying'), 30_000);
      const second = await cs.submit(rec(2));
      await eventually(
        async () => assert.equal((await cs.status(`${id}-2`)).governor?.hold?.code, 'lock'),
        30_000,
      );
      await first.handle.terminate('operator ended it mid-verification');
      await eventually(async () => {
        const { entries } = await cs.evidence(`${id}-2`);
        assert.ok(
          entries.some((e) => e.step === 'execute_applied'),
          'the waiting change got the lock and wrote',
        );
      }, 30_000);
      const status = await cs.governorStatus({ kind: 'zone', name: zone });
      assert.equal(status.counters.leasesExpired, 1);
      assert.ok(status.events.some((e) => e.step === 'lease_expired'));
      await second.handle.terminate('test done');
    });
  });

  it('a verified person admits a queued change at once; an unverified one cannot', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = (n: number) => stagingA(`${id}-${n}`, zone, `q${n}.${zone}`, '192.0.2.5');
    const policy = await governed({ zone: { budgets: { proposals: { limit: 1, window: '1h' } } } });
    await withWorker(h, id, { policy }, async () => {
      assert.equal((await (await cs.submit(rec(1))).handle.result()).view.state, 'executed');
      const { handle } = await cs.submit(rec(2));
      await eventually(async () => assert.equal((await cs.status(`${id}-2`)).state, 'queued'), 30_000);
      const queued = await cs.status(`${id}-2`);
      assert.equal(queued.governor?.hold?.limit, 'proposals');
      assert.equal(queued.governor?.hold?.position, 1);

      const stranger = generateApproverKey('alice@example.com', h.key('alice@example.com').keyId);
      await assert.rejects(
        cs.admitFromQueue(`${id}-2`, { key: stranger, reason: 'urgent' }),
        GovernorActionError,
      );
      assert.equal((await cs.status(`${id}-2`)).state, 'queued');

      const admitted = await cs.admitFromQueue(`${id}-2`, {
        key: h.key('alice@example.com'),
        reason: 'incident 42 needs it',
      });
      assert.equal(admitted.admitted, true);
      assert.deepEqual(
        admitted.scopes.map((s) => s.kind),
        ['zone'],
      );
      const result = await handle.result();
      assert.equal(result.view.state, 'executed');
      assert.ok(result.evidence.some((e) => e.step === 'held'));
      assert.ok(result.evidence.some((e) => e.step === 'hold_released'));
      const status = await cs.governorStatus({ kind: 'zone', name: zone });
      assert.equal(status.counters.humanAdmitted, 1);
      assert.ok(status.events.some((e) => e.step === 'human_admitted' && e.actor === 'alice@example.com'));
    });
  });

  it('a change a wider scope queues gives back the lock and budget its zone granted, and is staged again once admitted', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const name = `p.${zone}`;
    const policy = await governed({
      tenant: { budgets: { proposals: { limit: 1, window: '1h' } } },
      zone: { budgets: { automaticExecutions: { limit: 5, window: '1h' } } },
    });
    await withWorker(h, id, { policy }, async () => {
      const first = await (await cs.submit(stagingA(`${id}-1`, zone, name, '192.0.2.7'))).handle.result();
      assert.equal(first.view.state, 'executed');
      const { handle } = await cs.submit(stagingA(`${id}-2`, zone, name, '192.0.2.8'));
      await eventually(async () => assert.equal((await cs.status(`${id}-2`)).state, 'queued'), 30_000);
      assert.match((await cs.status(`${id}-2`)).governor?.hold?.scope ?? '', /tenant/);
      // The zone admitted it and granted the write's permit in the same ask: both went back.
      const zoneGovernor = await cs.governorStatus({ kind: 'zone', name: zone });
      assert.deepEqual(zoneGovernor.locks, []);
      assert.equal(zoneGovernor.budgets.find((b) => b.kind === 'automaticExecutions')?.used, 1);

      const admitted = await cs.admitFromQueue(`${id}-2`, {
        key: h.key('alice@example.com'),
        reason: 'the tenant budget is for storms, not this',
      });
      assert.equal(admitted.admitted, true);
      const result = await handle.result();
      assert.equal(result.view.state, 'executed');
      assert.equal(
        result.evidence.filter((e) => e.step === 'staged').length,
        2,
        'staged again after the wait',
      );
      const live = await queryRrset(h.env.dns, name, 'A');
      assert.deepEqual(live.rrset?.records, ['192.0.2.8']);
    });
  });

  it('refuses malformed governor updates, naming the field, and keeps governing', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = (n: number) => stagingA(`${id}-${n}`, zone, `m${n}.${zone}`, '192.0.2.6');
    await withWorker(h, id, { policy: await governed({}) }, async () => {
      assert.equal((await (await cs.submit(rec(1))).handle.result()).view.state, 'executed');
      const governor = h.client.workflow.getHandle(governorWorkflowId({ kind: 'zone', name: zone }, id));
      const hostile: [string, unknown, RegExp][] = [
        ['admit', { changeId: 5, rrset: 'x A' }, /changeId/],
        ['acquire', { changeId: 'x', route: 'sideways' }, /route/],
        ['release', 'x'.repeat(100_000), /too large|bytes/i],
        ['admit', new Uint8Array([1, 2, 3]), /JSON object/],
        ['resetBreaker', { payload: {}, signature: 'no' }, /payload|signature/],
        ['freeze', { signed: null, until: 'tomorrow', incident: null }, /signed|until/],
        ['incident', { webhook: { body: 'x', signature: 'md5=1' } }, /signature|op/],
        ['breakGlass', { signed: {}, seconds: 1e12, incident: null }, /signed|seconds/],
        ['grantException', { signed: {}, spec: { id: 'BAD ID' } }, /signed|spec/],
        ['useBreakGlass', { changeId: '', principal: 'x' }, /changeId/],
        [
          'admitWithPermit',
          { changeId: 'x', rrset: 'x A', limits: {}, permit: { route: 'auto' } },
          /limits|permit/,
        ],
        ['returnPermit', { changeId: '' }, /changeId/],
        ['incident', '\u0000'.repeat(10), /JSON object|invalid/i],
      ];
      for (const [update, payload, named] of hostile)
        await assert.rejects(governor.executeUpdate(update, { args: [payload] }), (err: Error) => {
          assert.match(`${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`, named);
          return true;
        });
      assert.equal((await (await cs.submit(rec(2))).handle.result()).view.state, 'executed');
      assert.equal((await cs.governorStatus({ kind: 'zone', name: zone })).counters.admitted, 2);
    });
  });
});

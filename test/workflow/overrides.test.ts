import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signIncidentWebhook } from '../../activities/governor/incident-webhook';
import { startIncidentReceiver } from '../../src/cli/incident-receiver';
import { staticPolicySource } from '../../activities/policy/policy-store';
import type { ChangeResult, ChangeView } from '../../src/change/view';
import { generateApproverKey, signDecision } from '../../src/client/approver-keys';
import { GovernorActionError } from '../../src/client/governor-client';
import { exampleRecommendation } from '../../src/examples';
import type { Scope } from '../../src/governor/scope';
import { governorActionText, governorWorkflowId } from '../../src/governor/scope';
import type { GovernorStatus } from '../../src/governor/status';
import { hashOf } from '../../src/hash';
import { withTimings } from '../../src/policy/overrides';
import type { Harness } from '../helpers/env';
import { defaultPolicy, openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone } from '../helpers/zones';

const timings = { approvalExpirySeconds: 600, coolingOffSeconds: 600 };
const policy = async () => staticPolicySource(withTimings(await defaultPolicy, timings));

/** Automatic in the default policy: staging, confident, one A record. */
const automatic = (id: string, zone: string, address: string, incidentId?: string) =>
  exampleRecommendation({
    id,
    zone,
    environment: 'staging',
    change: { kind: 'dns.upsert_rrset', name: `auto.${zone}`, type: 'A', ttl: 300, records: [address] },
    ...(incidentId === undefined ? {} : { incidentId }),
  });
/** Tier 2 (two-key: confidence below 0.9): one approval. */
const oneApproval = (id: string, zone: string, address: string) =>
  exampleRecommendation({
    id,
    zone,
    environment: 'staging',
    confidence: 0.8,
    change: { kind: 'dns.upsert_rrset', name: `approved.${zone}`, type: 'A', ttl: 300, records: [address] },
  });
/** Tier 3 (production apex mail): an SRE and a service owner, and a cooling-off. */
const dualControl = (id: string, zone: string, exchange = 'mx2') =>
  exampleRecommendation({
    id,
    zone,
    environment: 'production',
    change: {
      kind: 'dns.upsert_rrset',
      name: zone,
      type: 'MX',
      ttl: 3600,
      records: [`10 ${exchange}.${zone}`],
    },
  });

describe('overrides: freeze, incidents, break-glass, exceptions (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  const status = (taskQueue: string, scope: Scope): Promise<GovernorStatus> =>
    h.countersign(taskQueue).governorStatus(scope);
  const approve = async (taskQueue: string, id: string, principal: string) => {
    const cs = h.countersign(taskQueue);
    const view = await cs.status(id);
    return cs.decide(id, {
      key: h.key(principal),
      decision: 'approve',
      reason: 'looked at it',
      planHash: view.approval?.planHash ?? '',
    });
  };
  const waitFor = (taskQueue: string, id: string, check: (v: ChangeView) => boolean, what: string) =>
    eventually(async () => {
      const view = await h.countersign(taskQueue).status(id);
      assert.ok(
        check(view),
        `${id}: ${what} (state ${view.state}, hold ${view.governor?.hold?.code ?? 'none'})`,
      );
      return view;
    }, 60_000);
  const heldByFreeze = (v: ChangeView) => v.state === 'held' && v.governor?.hold?.code === 'freeze';

  it('a freeze holds an automatic and an approved change; unfreeze lets them go in arrival order', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const scope: Scope = { kind: 'zone', name: zone };
    const cs = h.countersign(id);
    await withWorker(h, id, { policy: await policy() }, async () => {
      const frozen = await cs.overrides.freeze(scope, {
        key: h.key('alice@example.com'),
        reason: 'maintenance on the resolvers',
        until: null,
        incident: null,
      });
      assert.ok(frozen.ok, frozen.message);

      const auto = (await cs.submit(automatic(`${id}-auto`, zone, '192.0.2.51'))).handle;
      const autoView = await waitFor(id, `${id}-auto`, heldByFreeze, 'held by the freeze');
      assert.match(
        autoView.governor?.hold?.message ?? '',
        /alice@example\.com.*maintenance on the resolvers/,
      );

      const approved = (await cs.submit(oneApproval(`${id}-appr`, zone, '192.0.2.52'))).handle;
      await waitFor(
        id,
        `${id}-appr`,
        (v) => v.state === 'awaiting_approval',
        'asks for approval during the freeze',
      );
      const verdict = await approve(id, `${id}-appr`, 'bob@example.com');
      assert.equal(verdict.verdict.counted, true, verdict.verdict.message);
      await waitFor(id, `${id}-appr`, heldByFreeze, 'approved, then held by the freeze');

      const during = await status(id, scope);
      assert.equal(during.overrides?.frozen, true);
      assert.deepEqual(during.overrides?.heldByFreeze, [auto.workflowId, approved.workflowId]);
      assert.ok(
        await h.pdns.getRrset(zone, `auto.${zone}`, 'A').then((r) => r === null),
        'nothing was written',
      );

      const lifted = await cs.overrides.unfreeze(scope, {
        key: h.key('carol@example.com'),
        reason: 'resolvers back',
      });
      assert.ok(lifted.ok, lifted.message);
      const results: ChangeResult[] = await Promise.all([auto.result(), approved.result()]);
      for (const r of results) {
        assert.equal(r.view.state, 'executed', `${r.view.workflowId}: ${r.view.outcome?.message}`);
        assert.ok(
          r.evidence.some((e) => e.step === 'held' && (e.data as { code?: string }).code === 'freeze'),
        );
        assert.ok(r.view.overrides?.marks.includes(`freeze:zone:${zone}`), 'marked as held by the freeze');
      }
      const events = (await status(id, scope)).events.map((e) => `${e.step} ${e.summary}`);
      const released = events.filter((e) => e.startsWith('freeze_released'));
      assert.equal(released.length, 2, events.join('\n'));
      assert.match(released[0] ?? '', new RegExp(`${id}-auto goes on`));
      assert.match(released[1] ?? '', new RegExp(`${id}-appr goes on`));
      assert.ok(
        events.some((e) => e.startsWith('freeze_started')) &&
          events.some((e) => e.startsWith('freeze_ended')),
      );
    });
  });

  it('an incident freezes its scope until it closes; its own remediation still runs; webhooks are checked', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const scope: Scope = { kind: 'zone', name: zone };
    const cs = h.countersign(id);
    const secret = `whsec-${Math.random().toString(36).slice(2)}`;
    await withWorker(h, id, { policy: await policy(), incidentWebhookSecret: secret }, async () => {
      const opened = await cs.overrides.incident(scope, 'open', 'INC-7', 'resolver outage', {
        key: h.key('alice@example.com'),
        reason: 'resolver outage',
      });
      assert.ok(opened.ok, opened.message);
      const frozen = (await cs.submit(automatic(`${id}-other`, zone, '192.0.2.61'))).handle;
      await waitFor(id, `${id}-other`, heldByFreeze, 'held by the incident');
      const remedy = await cs.submit({
        ...automatic(`${id}-fix`, zone, '192.0.2.62', 'INC-7'),
        change: {
          kind: 'dns.upsert_rrset',
          name: `fix.${zone}`,
          type: 'A',
          ttl: 300,
          records: ['192.0.2.62'],
        },
      });
      assert.equal(
        (await remedy.handle.result()).view.state,
        'executed',
        'the incident remediation is not frozen',
      );

      // A forged webhook is refused and recorded; the real one closes the incident.
      const body = JSON.stringify({
        type: 'incident.resolved',
        id: 'INC-7',
        title: 'resolved',
        scopes: [`zone:${zone}`],
        sentAt: new Date().toISOString(),
      });
      const forged = await cs.overrides.incidentWebhook(body, signIncidentWebhook(body, 'not-the-secret'));
      assert.equal(forged[0]?.answer.ok, false);
      assert.match(forged[0]?.answer.message ?? '', /signature does not match/);
      assert.equal((await cs.status(`${id}-other`)).state, 'held');
      const stale = JSON.stringify({
        ...JSON.parse(body),
        sentAt: new Date(Date.now() - 3_600_000).toISOString(),
      });
      const replayed = await cs.overrides.incidentWebhook(stale, signIncidentWebhook(stale, secret));
      assert.match(replayed[0]?.answer.message ?? '', /replay/);
      // The incident tool posts to the HTTP receiver (`countersign incident serve`).
      const receiver = await startIncidentReceiver(
        () => cs.overrides,
        '127.0.0.1',
        0,
        () => undefined,
      );
      try {
        const post = (payload: string, headers: Record<string, string>) =>
          fetch(receiver.url, {
            method: 'POST',
            body: payload,
            headers: { 'content-type': 'application/json', ...headers },
          });
        assert.equal((await post(body, {})).status, 401, 'no signature header');
        assert.equal(
          (await post('x'.repeat(70_000), { 'x-countersign-signature': 'sha256=00' })).status,
          413,
        );
        const forgedPost = await post(body, {
          'x-countersign-signature': signIncidentWebhook(body, 'guess'),
        });
        assert.equal(forgedPost.status, 403);
        assert.equal((await cs.status(`${id}-other`)).state, 'held', 'a forged webhook changes nothing');
        const closed = await post(body, { 'x-countersign-signature': signIncidentWebhook(body, secret) });
        const answer = (await closed.json()) as {
          results: { scope: string; answer: { ok: boolean; message: string } }[];
        };
        assert.equal(closed.status, 200, JSON.stringify(answer));
        assert.equal(answer.results[0]?.scope, `zone:${zone}`);
      } finally {
        await receiver.close();
      }

      assert.equal((await frozen.result()).view.state, 'executed');
      const after = await status(id, scope);
      assert.equal(after.overrides?.frozen, false);
      const steps = after.events.map((e) => e.step);
      for (const step of ['incident_opened', 'freeze_started', 'refused', 'incident_closed', 'freeze_ended'])
        assert.ok(steps.includes(step), `${step} in ${steps.join(', ')}`);
    });
  });

  it('break-glass: one approval suffices in its scope only, it expires with the worker down, and a different person reviews it', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const elsewhere = await createTestZone(h.pdns, `${id}-b`);
    const scope: Scope = { kind: 'zone', name: zone };
    const cs = h.countersign(id);
    const grantSeconds = 25;
    let expiresAt = '';
    let inScopeId = '';
    await withWorker(h, id, { policy: await policy() }, async () => {
      const grant = await cs.overrides.breakGlass(scope, {
        key: h.key('alice@example.com'),
        reason: 'mail is bouncing',
        seconds: grantSeconds,
        incident: 'INC-9',
      });
      assert.ok(grant.ok, grant.message);
      expiresAt = grant.expiresAt ?? '';

      const inScope = (await cs.submit(dualControl(`${id}-in`, zone))).handle;
      inScopeId = inScope.workflowId;
      const outside = await cs.submit(dualControl(`${id}-out`, elsewhere));
      await waitFor(id, `${id}-in`, (v) => v.state === 'awaiting_approval', 'waits for approval');
      await waitFor(id, `${id}-out`, (v) => v.state === 'awaiting_approval', 'waits for approval');

      const verdict = await approve(id, `${id}-in`, 'alice@example.com');
      assert.equal(verdict.verdict.counted && verdict.verdict.status, 'approved', verdict.verdict.message);
      const result = await inScope.result();
      assert.equal(result.view.state, 'executed', result.view.outcome?.message);
      assert.equal(result.view.approval?.state.approvals.length, 1, 'no second approver');
      assert.ok(!result.evidence.some((e) => e.step === 'cooling_off'), 'no cooling-off under break-glass');
      assert.ok(result.evidence.some((e) => e.step === 'break_glass'));
      assert.ok(result.view.overrides?.marks.includes('break-glass:bg-1'));
      assert.ok(result.view.decision?.reasons.some((r) => r.rule === 'override.break_glass'));

      const other = await approve(id, `${id}-out`, 'alice@example.com');
      assert.equal(
        other.verdict.counted && other.verdict.status,
        'pending',
        'another zone still needs its second approver',
      );
      await outside.handle.cancel();
    });

    // No worker until well after the grant ended: the governor's timer is durable.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(expiresAt) - Date.now()) + 3000),
    );
    await withWorker(h, id, { policy: await policy() }, async () => {
      const review = await eventually(async () => {
        const s = await status(id, scope);
        const r = s.overrides?.reviews.find((x) => x.grantId === 'bg-1');
        assert.ok(r !== undefined && r.status === 'open', 'the review opened when the grant ended');
        return r;
      }, 30_000);
      assert.deepEqual(review.changes, [inScopeId]);
      const grant = (await status(id, scope)).overrides?.breakGlass.find((g) => g.id === 'bg-1');
      assert.ok(grant?.endedAt !== null && Date.parse(grant?.endedAt ?? '') >= Date.parse(expiresAt));

      // After expiry the holder's approval is one of two again.
      const late = await cs.submit(dualControl(`${id}-late`, zone, 'mx3'));
      await waitFor(id, `${id}-late`, (v) => v.state === 'awaiting_approval', 'waits for approval');
      const lateVerdict = await approve(id, `${id}-late`, 'alice@example.com');
      assert.equal(lateVerdict.verdict.counted && lateVerdict.verdict.status, 'pending');

      await assert.rejects(
        cs.overrides.reviewBreakGlass(scope, 'bg-1', { key: h.key('alice@example.com'), reason: 'all fine' }),
        (err: unknown) => err instanceof GovernorActionError && /may not review it/.test(err.message),
      );
      const done = await cs.overrides.reviewBreakGlass(scope, 'bg-1', {
        key: h.key('bob@example.com'),
        reason: 'the MX change matched the incident',
      });
      assert.ok(done.ok, done.message);
      const s = await status(id, scope);
      assert.equal(s.overrides?.reviews.find((x) => x.grantId === 'bg-1')?.reviewer, 'bob@example.com');
      assert.equal(s.overrides?.counters.reviewsApproved, 1);
      await late.handle.cancel();
    });
  });

  it('exceptions: a loosening one (dual control) and a tightening one apply, are named, and stop at expiry', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const scope: Scope = { kind: 'zone', name: zone };
    const tenant: Scope = { kind: 'tenant', name: 'acme' };
    const cs = h.countersign(id);
    const ttlOnly = (suffix: string, ttl: number) =>
      exampleRecommendation({
        id: `${id}-${suffix}`,
        zone,
        environment: 'production',
        change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl, records: ['192.0.2.10'] },
      });
    await withWorker(h, id, { policy: await policy() }, async () => {
      const expires = new Date(Date.now() + 45_000).toISOString();
      const proposed = await cs.overrides.grantException(
        scope,
        {
          id: 'ttl-auto',
          owner: 'carol@example.com',
          justification: 'TTL tuning during the CDN migration',
          match: { ttlOnly: true },
          effect: { direction: 'loosen', tier: 0 },
          expiresAt: expires,
        },
        { key: h.key('alice@example.com'), reason: 'TTL tuning during the CDN migration' },
      );
      assert.ok(proposed.ok && /second person/.test(proposed.message), proposed.message);
      await assert.rejects(
        cs.overrides.approveException(scope, 'ttl-auto', {
          key: h.key('alice@example.com'),
          reason: 'me again',
        }),
        (err: unknown) => err instanceof GovernorActionError && /different person/.test(err.message),
      );
      const active = await cs.overrides.approveException(scope, 'ttl-auto', {
        key: h.key('erin@example.com'),
        reason: 'agreed',
      });
      assert.ok(active.ok, active.message);

      const loosened = await (await cs.submit(ttlOnly('ttl1', 600))).handle.result();
      assert.equal(loosened.view.state, 'executed', loosened.view.outcome?.message);
      assert.equal(loosened.view.decision?.route, 'auto');
      assert.ok(
        loosened.view.decision?.reasons.some((r) => r.rule === 'exception.ttl-auto'),
        'named in the reasons',
      );
      assert.ok(loosened.view.overrides?.marks.includes('exception:ttl-auto'));

      const tightened = await cs.overrides.grantException(
        tenant,
        {
          id: 'acme-staging-strict',
          owner: 'dave@example.com',
          justification: 'acme is migrating providers',
          match: { environments: ['staging'] },
          effect: { direction: 'tighten', tier: 3 },
          expiresAt: expires,
        },
        { key: h.key('erin@example.com'), reason: 'acme is migrating providers' },
      );
      assert.ok(tightened.ok, tightened.message);
      const strictChange = await cs.submit(automatic(`${id}-strict`, zone, '192.0.2.71'));
      const strict = await waitFor(
        id,
        `${id}-strict`,
        (v) => v.state === 'awaiting_approval',
        'tightened to approval',
      );
      assert.equal(strict.decision?.tier, 3);
      assert.ok(strict.decision?.reasons.some((r) => r.rule === 'exception.acme-staging-strict'));
      await strictChange.handle.cancel();

      const listed = await cs.overrides.listExceptions([scope, tenant]);
      assert.deepEqual(listed.map((e) => `${e.id}:${e.status}`).sort(), [
        'acme-staging-strict:active',
        'ttl-auto:active',
      ]);

      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, Date.parse(expires) - Date.now()) + 2000),
      );
      const plain = (await cs.submit(ttlOnly('ttl2', 900))).handle;
      const planView = await waitFor(
        id,
        `${id}-ttl2`,
        (v) => v.state === 'awaiting_approval',
        'needs approval again',
      );
      assert.ok(
        !planView.decision?.reasons.some((r) => r.rule.startsWith('exception.')),
        'expired: not applied',
      );
      await plain.cancel();
      await eventually(async () => {
        const s = await status(id, scope);
        assert.ok(s.events.some((e) => e.step === 'exception_expired' && /ttl-auto/.test(e.summary)));
      }, 30_000);
    });
  });

  it('refuses and records wrong roles, unsigned and expired signatures, and scopes outside the signer', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const scope: Scope = { kind: 'zone', name: zone };
    const cs = h.countersign(id);
    await withWorker(h, id, { policy: await policy() }, async () => {
      const refused = async (send: () => Promise<unknown>, pattern: RegExp) =>
        assert.rejects(
          send,
          (err: unknown) => err instanceof GovernorActionError && pattern.test(err.message),
        );
      await refused(
        () =>
          cs.overrides.freeze(scope, {
            key: h.key('dave@example.com'),
            reason: 'x',
            until: null,
            incident: null,
          }),
        /none of the roles/,
      );
      await refused(
        () =>
          cs.overrides.breakGlass(scope, {
            key: h.key('oncall-human@example.com'),
            reason: 'x',
            seconds: 60,
            incident: null,
          }),
        /may act on zone:\*\.example\.net\. only/,
      );
      await refused(
        () =>
          cs.overrides.freeze(scope, {
            key: h.key('alice@example.com'),
            reason: 'x',
            until: null,
            incident: null,
            validForSeconds: -120,
          }),
        /validity window/,
      );
      await refused(
        () =>
          cs.overrides.freeze(scope, {
            key: generateApproverKey('alice@example.com', h.key('alice@example.com').keyId),
            reason: 'x',
            until: null,
            incident: null,
          }),
        /does not verify/,
      );
      await refused(
        () =>
          cs.overrides.breakGlass(scope, {
            key: h.key('alice@example.com'),
            reason: 'x',
            seconds: 7200,
            incident: null,
          }),
        /at most 1h/,
      );
      const workflowId = governorWorkflowId(scope, id);
      const handle = h.client.workflow.getHandle(workflowId);
      const updateRefused = (err: unknown, pattern: RegExp) =>
        pattern.test(String((err as { cause?: { message?: string } }).cause?.message));
      await assert.rejects(
        handle.executeUpdate('freeze', { args: [{ until: null, incident: null }] }),
        (err) => updateRefused(err, /signed/),
      );
      // A signature for another action (unfreeze) does not freeze.
      const wrongAction = signDecision(h.key('alice@example.com'), {
        workflowId,
        planHash: hashOf(governorActionText('unfreeze')),
        decision: 'approve',
        reason: 'x',
      });
      await assert.rejects(
        handle.executeUpdate('freeze', { args: [{ signed: wrongAction, until: null, incident: null }] }),
        (err) => updateRefused(err, /another governor action/),
      );
      const s = await status(id, scope);
      assert.equal(s.overrides?.frozen, false);
      assert.equal(s.overrides?.counters.refused, 7);
      assert.equal(
        s.events.filter((e) => e.step === 'refused').length,
        7,
        s.events.map((e) => e.summary).join('\n'),
      );
    });
  });
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { queryRrset } from '../../activities/dns/query';
import { createPolicySource } from '../../activities/policy/policy-store';
import type { EscalationPayload } from '../../activities/change-activities';
import { exampleRecommendation } from '../../src/examples';
import { withTimings } from '../../src/policy/overrides';
import type { Policy } from '../../src/policy/policy-schema';
import type { Harness } from '../helpers/env';
import { defaultPolicy, openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone } from '../helpers/zones';

/** Time bounds on approvals: escalation while a request waits, and the execution window after it. */
describe('escalation and execution window (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  let base: Policy;
  const received: EscalationPayload[] = [];
  const webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as EscalationPayload);
      res.writeHead(204).end();
    });
  });
  let webhookUrl = '';
  before(async () => {
    h = await openHarness();
    base = withTimings(await defaultPolicy, { approvalExpirySeconds: 60, coolingOffSeconds: 1 }).policy;
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/escalations`;
  });
  after(async () => {
    await new Promise<void>((resolve) => webhook.close(() => resolve()));
    await h.close();
  });

  const policyFile = (id: string, policy: Policy) => {
    const file = path.join(h.env.dataDir, `${id}-policy.yaml`);
    writeFileSync(file, stringify(policy));
    return file;
  };

  it('escalates to the webhook and the log at each stage, then expires (fail closed)', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const policy: Policy = {
      ...base,
      // The off-hours rule brings its own escalation at night; this test must not depend on the clock.
      rules: base.rules
        .filter((r) => r.match.window === undefined)
        .map((r) =>
          r.id === 'production.default'
            ? {
                ...r,
                decide: {
                  ...r.decide,
                  approvalExpiry: '5s',
                  escalation: [
                    { after: '1s', notify: ['sre'] },
                    { after: '2s', notify: ['service-owner'] },
                  ],
                },
              }
            : r,
        ),
    };
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.61'] },
    });
    await withWorker(
      h,
      id,
      { policy: createPolicySource(policyFile(id, policy)), escalationWebhook: webhookUrl },
      async () => {
        const { handle } = await cs.submit(rec);
        const result = await handle.result();
        assert.equal(result.view.state, 'expired');
        const mine = received.filter((p) => p.workflowId === `change-${id}`);
        assert.deepEqual(
          mine.map((p) => [p.stage, p.kind, p.notify]),
          [
            // Announced to the roles that can decide when it opens, then each stage.
            [0, 'request', ['sre']],
            [1, 'approval', ['sre']],
            [2, 'approval', ['service-owner']],
          ],
        );
        const first = mine[1] as EscalationPayload;
        assert.match(first.what, /dns\.upsert_rrset api\..* A in .* \(production\)/);
        assert.match(first.riskOfWaiting, /rejected \(fail closed\)/);
        assert.match(first.whoCanDecide, /1 sre/);
        assert.match(first.howToDecide, /countersign approve .* --plan-hash [0-9a-f]{16} --key/);
        assert.deepEqual(
          result.evidence
            .filter((e) => e.step === 'escalated')
            .map((e) => (e.data as EscalationPayload).stage),
          [0, 1, 2],
        );
        assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.20']);
      },
    );
  });

  it('approvals lapse when execution does not start within the window, and the request asks again', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const policy: Policy = { ...base, defaults: { ...base.defaults, executionWindow: '1s' } };
    const file = policyFile(id, policy);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.62'] },
    });
    await withWorker(h, id, { policy: createPolicySource(file) }, async () => {
      await cs.submit(rec);
      const first = await cs.waitForState(id, ['awaiting_approval']);
      // The governors have heard of the request (they read the policy too), so the broken policy
      // below can only hold the change after the approval, before execution.
      await eventually(async () => {
        const { awaitingApproval } = await cs.governorStatus({ kind: 'zone', name: zone });
        assert.ok(awaitingApproval.some((a) => a.changeId === `change-${id}`));
        // And the request's announcement went out (its escalation budget is the governors' too).
        const { entries } = await cs.evidence(id);
        assert.ok(entries.some((e) => e.step === 'escalated'));
      }, 20_000);
      // An unreadable policy holds the change before execution (fail closed) for longer than the window.
      writeFileSync(file, 'version: broken\nrules: [');
      const { verdict } = await cs.decide(id, {
        key: h.key('alice@example.com'),
        decision: 'approve',
        reason: 'ok',
        planHash: first.approval?.planHash ?? '',
      });
      assert.equal(verdict.counted, true);
      await new Promise((r) => setTimeout(r, 2500));
      writeFileSync(file, stringify(policy));
      const again = await eventually(async () => {
        const view = await cs.status(id);
        assert.equal(view.state, 'awaiting_approval');
        assert.equal(view.approval?.state.approvals.length, 0);
        return view;
      }, 20_000);
      assert.equal(
        again.approval?.planHash,
        first.approval?.planHash,
        'same live state, same plan: only the approvals lapsed',
      );
      const { entries } = await cs.evidence(id);
      assert.ok(entries.some((e) => e.step === 'approvals_void' && /lapsed/.test(e.summary)));
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.20']);
      await cs.handle(id).terminate('test done');
    });
  });
});

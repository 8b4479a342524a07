import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { queryRrset } from '../../activities/dns/query';
import { createPolicySource } from '../../activities/policy/policy-store';
import { exampleRecommendation } from '../../src/examples';
import { withTimings } from '../../src/policy/overrides';
import type { Policy } from '../../src/policy/policy-schema';
import type { Harness } from '../helpers/env';
import { defaultPolicy, openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone } from '../helpers/zones';

/**
 * A policy edited while a change waits: the worker reads the file at each decision, and just before
 * executing the change is evaluated again. A stricter result applies; a looser one never relaxes it.
 */
describe('policy changed mid-flight (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  let base: Policy;
  before(async () => {
    h = await openHarness();
    base = withTimings(await defaultPolicy, { approvalExpirySeconds: 60, coolingOffSeconds: 1 }).policy;
  });
  after(async () => {
    await h.close();
  });

  /** The same policy with `production.default` changed, under a new version. */
  const edited = (version: string, decide: Policy['rules'][number]['decide']): Policy => ({
    ...base,
    version,
    rules: base.rules.map((r) => (r.id === 'production.default' ? { ...r, decide } : r)),
  });

  async function setup(t: { name: string }) {
    const id = slug(t as never);
    const zone = await createTestZone(h.pdns, id);
    const file = path.join(h.env.dataDir, `${id}-policy.yaml`);
    writeFileSync(file, stringify(base));
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.31'] },
    });
    return { id, zone, file, rec, cs: h.countersign(id) };
  }

  it('a stricter policy asks for more approvals; the approval already given still counts', async (t) => {
    const { id, zone, file, rec, cs } = await setup(t);
    await withWorker(h, id, { policy: createPolicySource(file) }, async () => {
      const { handle } = await cs.submit(rec);
      const first = await cs.waitForState(id, ['awaiting_approval']);
      assert.equal(first.approval?.required, 1);
      writeFileSync(
        file,
        stringify(
          edited('stricter-1', { tier: 3, approvals: [{ role: 'sre', count: 2 }], coolingOff: '1s' }),
        ),
      );
      const planHash = first.approval?.planHash ?? '';
      await cs.decide(id, { key: h.key('alice@example.com'), decision: 'approve', reason: 'ok', planHash });
      // The state stays awaiting_approval throughout: wait for the request the stricter policy opened.
      const reopened = await eventually(async () => {
        const view = await cs.status(id);
        assert.equal(view.approval?.required, 2);
        return view;
      }, 20_000);
      assert.equal(reopened.state, 'awaiting_approval');
      assert.deepEqual(
        reopened.approval?.state.approvals.map((a) => a.principal),
        ['alice@example.com'],
      );
      assert.equal(reopened.decision?.policyVersion, 'stricter-1');
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.20']);
      await cs.decide(id, { key: h.key('carol@example.com'), decision: 'approve', reason: 'ok', planHash });
      const result = await handle.result();
      assert.equal(result.view.state, 'executed');
      const recheck = result.evidence
        .filter((e) => e.step === 'policy_rechecked')
        .map((e) => (e.data as { action: string }).action);
      assert.deepEqual(recheck, ['approve_again', 'proceed']);
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.31']);
    });
  });

  it('a policy that now blocks the change closes it before anything is written', async (t) => {
    const { id, zone, file, rec, cs } = await setup(t);
    await withWorker(h, id, { policy: createPolicySource(file) }, async () => {
      const { handle } = await cs.submit(rec);
      const first = await cs.waitForState(id, ['awaiting_approval']);
      writeFileSync(file, stringify(edited('freeze-1', { tier: 'blocked' })));
      await cs.decide(id, {
        key: h.key('alice@example.com'),
        decision: 'approve',
        reason: 'ok',
        planHash: first.approval?.planHash ?? '',
      });
      const result = await handle.result();
      assert.equal(result.view.state, 'blocked');
      assert.equal(result.view.outcome?.code, 'policy_changed');
      assert.equal(result.view.decision?.policyVersion, 'freeze-1');
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.20']);
    });
  });

  it('a looser policy never relaxes a change already decided', async (t) => {
    const { id, file, rec, cs } = await setup(t);
    await withWorker(h, id, { policy: createPolicySource(file) }, async () => {
      await cs.submit(rec);
      const first = await cs.waitForState(id, ['awaiting_approval']);
      writeFileSync(file, stringify(edited('loose-1', { tier: 0 })));
      // Still waiting: the decision taken under the stricter policy stands.
      await new Promise((r) => setTimeout(r, 500));
      const view = await cs.status(id);
      assert.equal(view.state, 'awaiting_approval');
      assert.equal(view.decision?.policyVersion, first.decision?.policyVersion);
      await cs.handle(id).terminate('test done');
    });
  });

  it('an invalid policy file fails closed: nothing is decided until the file is fixed', async (t) => {
    const { id, file, rec, cs } = await setup(t);
    writeFileSync(file, 'version: broken\nrules: [');
    await withWorker(h, id, { policy: createPolicySource(file) }, async () => {
      await cs.submit(rec);
      await new Promise((r) => setTimeout(r, 1500));
      const stuck = await cs.status(id);
      assert.equal(stuck.state, 'classifying');
      assert.equal(stuck.decision, null);
      // Temporal retries the classification; once the file is valid again the change goes on.
      writeFileSync(file, stringify(base));
      const resumed = await cs.waitForState(id, ['awaiting_approval'], { timeoutMs: 20_000 });
      assert.equal(resumed.state, 'awaiting_approval');
      await cs.handle(id).terminate('test done');
    });
  });
});

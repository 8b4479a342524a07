import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { requireDefaultPolicy } from '../../activities/policy/policy-files';
import { exampleRecommendation } from '../../src/examples';
import { computePlan, subjectOf } from '../../src/kinds/kinds';
import type { Decision } from '../../src/policy/decision';
import type { LoadedPolicy } from '../../src/policy/evaluate';
import { evaluatePolicy } from '../../src/policy/evaluate';
import { factsOf } from '../../src/policy/facts';
import { mergeStricter } from '../../src/policy/reconcile';
import type { Change, Environment } from '../../src/schema/recommendation';

/** The guarantees that hold whatever a policy file says, and the semantics the reviews pinned down. */
describe('policy guarantees', () => {
  let shipped: LoadedPolicy;
  before(async () => {
    shipped = await requireDefaultPolicy();
  });

  const decide = (
    loaded: LoadedPolicy,
    environment: Environment,
    change: Change,
    live: { ttl: number; records: string[] } | null,
    at = '2026-01-07T12:00:00Z',
  ): Decision => {
    const rec = exampleRecommendation({ id: 'g', zone: 'example.com.', environment, change });
    const planned = computePlan(rec, live === null ? null : { ...subjectOf(rec), ...live });
    assert.ok(planned.ok);
    return evaluatePolicy(
      loaded,
      factsOf(loaded.policy, rec, planned.plan, { zoneRecords: 100, now: new Date(at) }),
    ).decision;
  };
  const withPolicy = (edit: (p: LoadedPolicy['policy']) => LoadedPolicy['policy']): LoadedPolicy => ({
    ...shipped,
    policy: edit(shipped.policy),
  });

  it('deleting the apex NS or SOA is blocked even when the policy lists nothing as never allowed', () => {
    const permissive = withPolicy((p) => ({ ...p, never: { ...p.never, allowed: [] } }));
    for (const type of ['NS', 'SOA'] as const) {
      const d = decide(
        permissive,
        'development',
        { kind: 'dns.delete_rrset', name: 'example.com.', type },
        {
          ttl: 3600,
          records: type === 'NS' ? ['ns1.example.com.'] : ['ns1.example.com. h.example.com. 1 2 3 4 5'],
        },
      );
      assert.equal(d.tier, 'blocked', type);
      assert.ok(
        d.reasons.some((r) => r.rule === `never.allowed.apex_${type.toLowerCase()}_delete`),
        type,
      );
    }
  });

  it('tier 3 never waits less than the default cooling-off, even when a rule says 0s', () => {
    const zeroDelay = withPolicy((p) => ({
      ...p,
      rules: p.rules.map((r) =>
        r.id === 'production.apex' ? { ...r, decide: { ...r.decide, coolingOff: '0s' } } : r,
      ),
    }));
    const d = decide(
      zeroDelay,
      'production',
      { kind: 'dns.upsert_rrset', name: 'example.com.', type: 'A', ttl: 300, records: ['192.0.2.2'] },
      { ttl: 300, records: ['192.0.2.1'] },
    );
    assert.equal(d.tier, 3);
    assert.equal(d.coolingOffSeconds, 15 * 60);
  });

  it('a time window wrapping past midnight belongs to the day it starts', () => {
    const fridayNight = withPolicy((p) => ({
      ...p,
      rules: [
        ...p.rules,
        {
          id: 'friday.night',
          description: 'friday night freeze',
          match: { environment: ['staging'], window: { days: ['fri'], between: '22:00-06:00' } },
          decide: { tier: 'blocked' },
        },
      ],
    }));
    const change: Change = {
      kind: 'dns.upsert_rrset',
      name: 'www.example.com.',
      type: 'A',
      ttl: 300,
      records: ['192.0.2.7'],
    };
    const cases = [
      { at: '2026-01-09T23:00:00Z', blocked: true, name: 'Friday 23:00' },
      { at: '2026-01-10T01:00:00Z', blocked: true, name: 'Saturday 01:00 (still Friday night)' },
      { at: '2026-01-09T01:00:00Z', blocked: false, name: 'Friday 01:00 (Thursday night)' },
      { at: '2026-01-10T23:00:00Z', blocked: false, name: 'Saturday 23:00' },
    ];
    for (const c of cases)
      assert.equal(decide(fridayNight, 'staging', change, null, c.at).tier === 'blocked', c.blocked, c.name);
  });

  it('the Temporal UI channel never counts for tier 3, even where its environment allows it', () => {
    const ips = (from: number) => Array.from({ length: 16 }, (_, k) => `192.0.2.${from + k}`);
    // Replacing 16 of 16 records in a 100-record zone touches 32%: the blast radius raises it to tier 3.
    const wide = decide(
      shipped,
      'staging',
      { kind: 'dns.upsert_rrset', name: 'pool.example.com.', type: 'A', ttl: 300, records: ips(100) },
      { ttl: 300, records: ips(1) },
    );
    assert.equal(wide.tier, 3);
    assert.deepEqual(wide.channels, ['signed']);
    const staging = decide(
      shipped,
      'staging',
      { kind: 'dns.upsert_rrset', name: 'www.example.com.', type: 'A', ttl: 300, records: ['192.0.2.7'] },
      null,
    );
    assert.deepEqual(staging.channels, ['signed', 'ui']);
  });

  it('a recheck that is stricter in one respect keeps every other stricter field', () => {
    const decided = decide(
      shipped,
      'production',
      { kind: 'dns.upsert_rrset', name: 'example.com.', type: 'A', ttl: 300, records: ['192.0.2.2'] },
      { ttl: 300, records: ['192.0.2.1'] },
    );
    const current: Decision = {
      ...decided,
      tier: 2,
      approvals: { count: 1, roles: [{ role: 'security', count: 1 }] },
      coolingOffSeconds: 0,
      policyVersion: 'new',
    };
    const merged = mergeStricter(decided, current);
    assert.equal(merged.tier, 3);
    assert.equal(merged.coolingOffSeconds, decided.coolingOffSeconds);
    assert.equal(merged.approvals.count, 2);
    assert.deepEqual(merged.approvals.roles.map((r) => r.role).sort(), ['security', 'service-owner', 'sre']);
    assert.equal(merged.policyVersion, 'new');
  });
});

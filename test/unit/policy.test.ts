import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Plan, RRset } from '../../src/plan/plan';
import { computePlan } from '../../src/plan/plan';
import { checkPlan, defaultCheckLimits } from '../../src/policy/check';
import type { Decision, Tier } from '../../src/policy/decision';
import { describeTier, routeOf, stricterTier, tierRank } from '../../src/policy/decision';
import {
  classifyWithDefaultPolicy,
  defaultPolicyVersion,
  defaultTimings,
} from '../../src/policy/default-policy';
import type { Change, Environment, Recommendation } from '../../src/schema/recommendation';
import { addresses, rec, remove, rrset, upsert, validRec } from './fixtures';

const apex = 'example.com.';
const www = 'www.example.com.';
const wildcard = '*.example.com.';

interface PolicyCase {
  readonly name: string;
  readonly environment: Environment;
  readonly change: Change;
  readonly confidence: number;
  readonly tier: Tier;
  readonly rules: readonly string[];
}

const a = (name: string) => upsert(name, 'A', ['192.0.2.1']);

const decisionTable: readonly PolicyCase[] = [
  // Never, anywhere
  {
    name: 'SOA in production',
    environment: 'production',
    change: upsert(apex, 'SOA', ['ns1.example.com. h.example.com. 1 1 1 1 1']),
    confidence: 0.99,
    tier: 'blocked',
    rules: ['never.soa'],
  },
  {
    name: 'SOA in development',
    environment: 'development',
    change: upsert(apex, 'SOA', ['ns1.example.com. h.example.com. 1 1 1 1 1']),
    confidence: 0.99,
    tier: 'blocked',
    rules: ['never.soa'],
  },
  {
    name: 'SOA delete in staging',
    environment: 'staging',
    change: remove(apex, 'SOA'),
    confidence: 0.99,
    tier: 'blocked',
    rules: ['never.soa'],
  },
  {
    name: 'delete apex NS in production',
    environment: 'production',
    change: remove(apex, 'NS'),
    confidence: 0.99,
    tier: 'blocked',
    rules: ['never.apex_ns_delete'],
  },
  {
    name: 'delete apex NS in development',
    environment: 'development',
    change: remove(apex, 'NS'),
    confidence: 0.99,
    tier: 'blocked',
    rules: ['never.apex_ns_delete'],
  },
  // Confidence floors
  {
    name: 'production, confidence 0.49',
    environment: 'production',
    change: a(www),
    confidence: 0.49,
    tier: 'blocked',
    rules: ['production.low_confidence'],
  },
  {
    name: 'production, confidence 0.2',
    environment: 'production',
    change: a(www),
    confidence: 0.2,
    tier: 'blocked',
    rules: ['production.low_confidence', 'any.very_low_confidence'],
  },
  {
    name: 'production, confidence exactly 0.5',
    environment: 'production',
    change: a(www),
    confidence: 0.5,
    tier: 2,
    rules: ['production.default'],
  },
  {
    name: 'staging, confidence 0.29',
    environment: 'staging',
    change: a(www),
    confidence: 0.29,
    tier: 'blocked',
    rules: ['any.very_low_confidence'],
  },
  {
    name: 'development, confidence 0',
    environment: 'development',
    change: a(www),
    confidence: 0,
    tier: 'blocked',
    rules: ['any.very_low_confidence'],
  },
  // Production
  {
    name: 'production A, high confidence',
    environment: 'production',
    change: a(www),
    confidence: 0.99,
    tier: 2,
    rules: ['production.default'],
  },
  {
    name: 'production A, confidence 1',
    environment: 'production',
    change: a(www),
    confidence: 1,
    tier: 2,
    rules: ['production.default'],
  },
  {
    name: 'production TXT',
    environment: 'production',
    change: upsert(www, 'TXT', ['"x"']),
    confidence: 0.95,
    tier: 2,
    rules: ['production.default'],
  },
  {
    name: 'production apex A',
    environment: 'production',
    change: a(apex),
    confidence: 0.95,
    tier: 3,
    rules: ['production.apex'],
  },
  {
    name: 'production MX below apex',
    environment: 'production',
    change: upsert(`mail.${apex}`, 'MX', ['10 mx.example.com.']),
    confidence: 0.95,
    tier: 3,
    rules: ['production.sensitive_type'],
  },
  {
    name: 'production NS delegation',
    environment: 'production',
    change: upsert(`sub.${apex}`, 'NS', ['ns1.example.net.']),
    confidence: 0.95,
    tier: 3,
    rules: ['production.sensitive_type'],
  },
  {
    name: 'production CAA at apex',
    environment: 'production',
    change: upsert(apex, 'CAA', ['0 issue "letsencrypt.org"']),
    confidence: 0.95,
    tier: 3,
    rules: ['production.apex', 'production.sensitive_type'],
  },
  {
    name: 'production wildcard',
    environment: 'production',
    change: a(wildcard),
    confidence: 0.95,
    tier: 3,
    rules: ['production.wildcard'],
  },
  {
    name: 'production delete',
    environment: 'production',
    change: remove(www, 'A'),
    confidence: 0.95,
    tier: 3,
    rules: ['production.delete'],
  },
  {
    name: 'production delete MX at apex',
    environment: 'production',
    change: remove(apex, 'MX'),
    confidence: 0.95,
    tier: 3,
    rules: ['production.apex', 'production.sensitive_type', 'production.delete'],
  },
  // Staging
  {
    name: 'staging A, high confidence',
    environment: 'staging',
    change: a(www),
    confidence: 0.95,
    tier: 1,
    rules: ['staging.notify'],
  },
  {
    name: 'staging A, confidence exactly 0.9',
    environment: 'staging',
    change: a(www),
    confidence: 0.9,
    tier: 1,
    rules: ['staging.notify'],
  },
  {
    name: 'staging A, confidence 0.89',
    environment: 'staging',
    change: a(www),
    confidence: 0.89,
    tier: 2,
    rules: ['nonproduction.low_confidence'],
  },
  {
    name: 'staging wildcard A',
    environment: 'staging',
    change: a(wildcard),
    confidence: 0.95,
    tier: 1,
    rules: ['staging.notify'],
  },
  {
    name: 'staging delete A',
    environment: 'staging',
    change: remove(www, 'A'),
    confidence: 0.95,
    tier: 1,
    rules: ['staging.notify'],
  },
  {
    name: 'staging MX',
    environment: 'staging',
    change: upsert(`mail.${apex}`, 'MX', ['10 mx.example.com.']),
    confidence: 0.95,
    tier: 2,
    rules: ['nonproduction.sensitive'],
  },
  {
    name: 'staging apex A',
    environment: 'staging',
    change: a(apex),
    confidence: 0.95,
    tier: 2,
    rules: ['nonproduction.sensitive'],
  },
  {
    name: 'staging NS, low confidence',
    environment: 'staging',
    change: upsert(`sub.${apex}`, 'NS', ['ns1.example.net.']),
    confidence: 0.5,
    tier: 2,
    rules: ['nonproduction.sensitive', 'nonproduction.low_confidence'],
  },
  // Development
  {
    name: 'development A, high confidence',
    environment: 'development',
    change: a(www),
    confidence: 0.95,
    tier: 0,
    rules: ['development.auto'],
  },
  {
    name: 'development CNAME',
    environment: 'development',
    change: upsert(www, 'CNAME', ['lb.example.net.']),
    confidence: 0.95,
    tier: 0,
    rules: ['development.auto'],
  },
  {
    name: 'development MX',
    environment: 'development',
    change: upsert(apex, 'MX', ['10 mx.example.com.']),
    confidence: 0.95,
    tier: 2,
    rules: ['nonproduction.sensitive'],
  },
  {
    name: 'development CAA',
    environment: 'development',
    change: upsert(www, 'CAA', ['0 issue "letsencrypt.org"']),
    confidence: 0.95,
    tier: 2,
    rules: ['nonproduction.sensitive'],
  },
  {
    name: 'development A, confidence 0.6',
    environment: 'development',
    change: a(www),
    confidence: 0.6,
    tier: 2,
    rules: ['nonproduction.low_confidence'],
  },
];

describe('classifyWithDefaultPolicy: decision table', () => {
  for (const c of decisionTable) {
    it(`${c.name} → ${describeTier(c.tier)} [${c.rules.join(', ')}]`, () => {
      const decision = classifyWithDefaultPolicy(rec(c.environment, c.change, c.confidence));
      assert.equal(decision.tier, c.tier);
      assert.deepEqual(
        decision.reasons.map((r) => r.rule),
        c.rules,
      );
    });
  }
});

describe('classifyWithDefaultPolicy: what each tier demands', () => {
  const cases: {
    tier: Tier;
    example: Recommendation;
    route: string;
    approvals: number;
    coolingOff: boolean;
    notify: boolean;
  }[] = [
    {
      tier: 0,
      example: rec('development', a(www)),
      route: 'auto',
      approvals: 0,
      coolingOff: false,
      notify: false,
    },
    {
      tier: 1,
      example: rec('staging', a(www)),
      route: 'auto',
      approvals: 0,
      coolingOff: false,
      notify: true,
    },
    {
      tier: 2,
      example: rec('production', a(www)),
      route: 'approval',
      approvals: 1,
      coolingOff: false,
      notify: true,
    },
    {
      tier: 3,
      example: rec('production', a(apex)),
      route: 'approval',
      approvals: 2,
      coolingOff: true,
      notify: true,
    },
    {
      tier: 'blocked',
      example: rec('production', a(www), 0.1),
      route: 'blocked',
      approvals: 0,
      coolingOff: false,
      notify: true,
    },
  ];
  for (const c of cases) {
    it(describeTier(c.tier), () => {
      const d = classifyWithDefaultPolicy(c.example);
      assert.equal(d.tier, c.tier);
      assert.equal(d.route, c.route);
      assert.equal(d.approvals.count, c.approvals);
      assert.deepEqual(d.approvals.roles, []);
      assert.equal(d.coolingOffSeconds > 0, c.coolingOff);
      assert.equal(d.notify, c.notify);
      assert.equal(d.onExpiry, 'reject');
      assert.equal(d.policyVersion, defaultPolicyVersion);
      assert.equal(d.approvalExpirySeconds, defaultTimings.approvalExpirySeconds);
    });
  }

  it('tier 3 uses the configured cooling-off and expiry', () => {
    const d = classifyWithDefaultPolicy(rec('production', remove(www, 'A')), {
      approvalExpirySeconds: 60,
      coolingOffSeconds: 7,
    });
    assert.equal(d.tier, 3);
    assert.equal(d.coolingOffSeconds, 7);
    assert.equal(d.approvalExpirySeconds, 60);
  });

  it('reasons carry path, value and threshold', () => {
    const d = classifyWithDefaultPolicy(rec('staging', a(www), 0.42));
    assert.deepEqual(d.reasons, [
      {
        rule: 'nonproduction.low_confidence',
        path: 'confidence',
        value: '0.42',
        threshold: '< 0.9',
        message: 'confidence below the automatic threshold: one approval',
      },
    ]);
  });
});

describe('decision helpers', () => {
  it('tierRank orders 0 < 1 < 2 < 3 < blocked', () => {
    const tiers: Tier[] = [0, 1, 2, 3, 'blocked'];
    assert.deepEqual(tiers.map(tierRank), [0, 1, 2, 3, 4]);
  });

  const stricter: { a: Tier; b: Tier; expected: Tier }[] = [
    { a: 0, b: 2, expected: 2 },
    { a: 3, b: 1, expected: 3 },
    { a: 2, b: 'blocked', expected: 'blocked' },
    { a: 'blocked', b: 3, expected: 'blocked' },
    { a: 1, b: 1, expected: 1 },
  ];
  for (const c of stricter) {
    it(`stricterTier(${c.a}, ${c.b}) = ${c.expected}`, () => {
      assert.equal(stricterTier(c.a, c.b), c.expected);
    });
  }

  it('routeOf maps tiers to routes', () => {
    assert.deepEqual(([0, 1, 2, 3, 'blocked'] as Tier[]).map(routeOf), [
      'auto',
      'auto',
      'approval',
      'approval',
      'blocked',
    ]);
  });
});

function planFor(r: Recommendation, live: RRset | null): Plan {
  const result = computePlan(r, live);
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

function checked(r: Recommendation, live: RRset | null, limits = defaultCheckLimits): Decision {
  return checkPlan(r, classifyWithDefaultPolicy(r), planFor(r, live), limits);
}

describe('checkPlan', () => {
  it('leaves a small automatic change alone (same object)', () => {
    const r = validRec('staging', upsert(www, 'A', addresses(2)));
    const decision = classifyWithDefaultPolicy(r);
    assert.equal(checkPlan(r, decision, planFor(r, null)), decision);
  });

  it('an auto change touching 10 records stays auto', () => {
    const d = checked(validRec('staging', upsert(www, 'A', addresses(10))), null);
    assert.equal(d.tier, 1);
    assert.equal(d.route, 'auto');
  });

  const cases: {
    name: string;
    r: Recommendation;
    live: RRset | null;
    tier: Tier;
    approvals: number;
    added: string[];
  }[] = [
    {
      name: 'auto change touching 11 records → tier 2 (scope)',
      r: validRec('staging', upsert(www, 'A', addresses(11))),
      live: null,
      tier: 2,
      approvals: 1,
      added: ['check.two_key.scope'],
    },
    {
      name: 'tier 0 change replacing 6 records with 6 others (12 touched) → tier 2 (scope)',
      r: validRec('development', upsert(www, 'A', addresses(6, 101))),
      live: rrset(www, 'A', addresses(6)),
      tier: 2,
      approvals: 1,
      added: ['check.two_key.scope'],
    },
    {
      name: 'auto delete → tier 2 (delete)',
      r: validRec('development', remove(www, 'A')),
      live: rrset(www, 'A', addresses(1)),
      tier: 2,
      approvals: 1,
      added: ['check.two_key.delete'],
    },
    {
      name: 'auto delete of 20 records → tier 2 (scope and delete)',
      r: validRec('staging', remove(www, 'A')),
      live: rrset(www, 'A', addresses(20)),
      tier: 2,
      approvals: 1,
      added: ['check.two_key.scope', 'check.two_key.delete'],
    },
    {
      name: 'tier 2 change over the budget (200 touched) → blocked',
      r: validRec('production', upsert(www, 'A', addresses(100, 101))),
      live: rrset(www, 'A', addresses(100)),
      tier: 'blocked',
      approvals: 1,
      added: ['check.budget'],
    },
    {
      name: 'auto change over the budget → blocked, only the budget reason',
      r: validRec('development', upsert(www, 'A', addresses(100, 101))),
      live: rrset(www, 'A', addresses(100)),
      tier: 'blocked',
      approvals: 0,
      added: ['check.budget'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const before = classifyWithDefaultPolicy(c.r);
      const after = checkPlan(c.r, before, planFor(c.r, c.live));
      assert.equal(after.tier, c.tier);
      assert.equal(after.route, routeOf(c.tier));
      assert.equal(after.approvals.count, c.approvals);
      assert.equal(after.notify, true);
      assert.deepEqual(
        after.reasons.map((r) => r.rule),
        [...before.reasons.map((r) => r.rule), ...c.added],
      );
    });
  }

  it('a tier 3 delete stays tier 3: two-key rules only apply to automatic routes', () => {
    const r = validRec('production', remove(www, 'A'));
    const before = classifyWithDefaultPolicy(r);
    const after = checkPlan(r, before, planFor(r, rrset(www, 'A', addresses(30))));
    assert.equal(after, before);
  });

  it('uses the given limits', () => {
    const d = checked(validRec('production', upsert(www, 'A', addresses(3))), null, {
      ...defaultCheckLimits,
      maxRecordsTouched: 2,
    });
    assert.equal(d.tier, 'blocked');
    const reason = d.reasons.find((r) => r.rule === 'check.budget');
    assert.deepEqual(reason && { value: reason.value, threshold: reason.threshold }, {
      value: '3',
      threshold: '> 2',
    });
  });

  it('a low-confidence auto decision becomes tier 2 (confidence)', () => {
    const r = validRec('development', upsert(www, 'A', addresses(1)), 0.95);
    const auto: Decision = { ...classifyWithDefaultPolicy(r), tier: 0, route: 'auto' };
    const after = checkPlan({ ...r, confidence: 0.6 }, auto, planFor(r, null));
    assert.equal(after.tier, 2);
    assert.deepEqual(
      after.reasons.map((x) => x.rule),
      ['development.auto', 'check.two_key.confidence'],
    );
  });

  it('never lowers a tier and keeps approvals at least as strict (property)', () => {
    const tiers: Tier[] = [0, 1, 2, 3, 'blocked'];
    fc.assert(
      fc.property(
        fc.constantFrom(...tiers),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 0, max: 120 }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (tier, approvals, after, before, isDelete, confidence) => {
          const r = validRec('development', upsert(www, 'A', ['192.0.2.1']), confidence);
          const decision: Decision = {
            ...classifyWithDefaultPolicy(r),
            tier,
            route: routeOf(tier),
            approvals: { count: approvals, roles: [] },
          };
          const plan: Plan = {
            ...planFor(r, null),
            operation: isDelete ? 'delete' : 'update',
            before: rrset(www, 'A', addresses(before)),
            after: isDelete ? null : rrset(www, 'A', addresses(after, 1)),
          };
          const out = checkPlan(r, decision, plan);
          assert.ok(tierRank(out.tier) >= tierRank(decision.tier));
          assert.ok(out.approvals.count >= decision.approvals.count);
          assert.equal(out.route, routeOf(out.tier));
        },
      ),
    );
  });
});

describe('classifyWithDefaultPolicy: properties', () => {
  const environments: Environment[] = ['production', 'staging', 'development'];
  const types = ['A', 'AAAA', 'CNAME', 'NS', 'MX', 'TXT', 'CAA', 'SRV', 'SOA'];
  const names = [apex, www, wildcard, `_sip._tcp.${apex}`];
  const recommendation = fc
    .record({
      environment: fc.constantFrom(...environments),
      kind: fc.constantFrom('dns.upsert_rrset', 'dns.delete_rrset'),
      type: fc.constantFrom(...types),
      name: fc.constantFrom(...names),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map((g) =>
      rec(
        g.environment,
        g.kind === 'dns.delete_rrset' ? remove(g.name, g.type) : upsert(g.name, g.type, ['x']),
        g.confidence,
      ),
    );

  it('lowering confidence never lowers the tier', () => {
    fc.assert(
      fc.property(recommendation, fc.double({ min: 0, max: 1, noNaN: true }), (r, factor) => {
        const lower = { ...r, confidence: r.confidence * factor };
        const high = classifyWithDefaultPolicy(r);
        const low = classifyWithDefaultPolicy(lower);
        assert.ok(
          tierRank(low.tier) >= tierRank(high.tier),
          `confidence ${r.confidence} → ${String(high.tier)}, ${lower.confidence} → ${String(low.tier)}`,
        );
      }),
    );
  });

  it('is deterministic: the same input twice gives deep-equal decisions', () => {
    fc.assert(
      fc.property(recommendation, (r) => {
        assert.deepEqual(classifyWithDefaultPolicy(structuredClone(r)), classifyWithDefaultPolicy(r));
      }),
    );
  });

  it('every decision explains itself and its route matches its tier', () => {
    fc.assert(
      fc.property(recommendation, (r) => {
        const d = classifyWithDefaultPolicy(r);
        assert.ok(d.reasons.length > 0);
        assert.equal(d.route, routeOf(d.tier));
        assert.equal(d.approvals.count, d.tier === 3 ? 2 : d.tier === 2 ? 1 : 0);
      }),
    );
  });
});

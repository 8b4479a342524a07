import type { Recommendation } from '../src/schema/recommendation';
import { exampleRecommendation } from '../src/examples';
import type { LoadedPolicy } from '../src/policy/evaluate';
import { evaluatePolicy } from '../src/policy/evaluate';
import { factsOf } from '../src/policy/facts';
import type { Policy, Rule } from '../src/policy/policy-schema';
import { hashOf } from '../src/hash';
import { computePlan, subjectOf } from '../src/kinds/kinds';

/** The shipped policy plus per-tenant and per-zone rules, as a larger organisation would have. */
export function realisticPolicy(base: LoadedPolicy, extraRules: number): LoadedPolicy {
  const extra: Rule[] = Array.from({ length: extraRules }, (_, i) => ({
    id: `tenant-${i}.zone-rule`,
    description: `tenant ${i}: its zones are production-critical`,
    match: {
      tenant: [`tenant-${i}`],
      zone: [`*.tenant${i}.example.`],
      environment: ['production'],
      type: ['A', 'AAAA', 'CNAME'],
      confidence: { lt: 0.95 },
    },
    decide: {
      tier: 3,
      approvals: [
        { role: 'sre', count: 1 },
        { role: 'service-owner', count: 1 },
      ],
    },
  }));
  const policy: Policy = { ...base.policy, rules: [...base.policy.rules, ...extra] };
  return { policy, hash: hashOf(policy), source: 'bench' };
}

export interface EvalMeasure {
  readonly rules: number;
  readonly perSecond: number;
  readonly microsPerEval: number;
}

/** Evaluations per second of `loaded` over a rotating set of recommendations with staged plans. */
export function measureEvaluation(loaded: LoadedPolicy, iterations: number): EvalMeasure {
  const recs: Recommendation[] = [
    exampleRecommendation({
      id: 'b1',
      zone: 'example.com.',
      environment: 'production',
      change: {
        kind: 'dns.upsert_rrset',
        name: 'api.example.com.',
        type: 'A',
        ttl: 300,
        records: ['192.0.2.1'],
      },
    }),
    exampleRecommendation({
      id: 'b2',
      zone: 'example.com.',
      environment: 'production',
      change: {
        kind: 'dns.upsert_rrset',
        name: 'example.com.',
        type: 'MX',
        ttl: 300,
        records: ['10 mx1.example.com.'],
      },
    }),
    exampleRecommendation({
      id: 'b3',
      zone: 'staging.example.net.',
      environment: 'staging',
      change: {
        kind: 'dns.upsert_rrset',
        name: 'www.staging.example.net.',
        type: 'A',
        ttl: 300,
        records: ['192.0.2.1'],
      },
    }),
    exampleRecommendation({
      id: 'b4',
      zone: 'example.com.',
      environment: 'production',
      change: { kind: 'dns.delete_rrset', name: 'old.example.com.', type: 'TXT' },
    }),
  ];
  const inputs = recs.map((rec) => {
    const live = { ...subjectOf(rec), ttl: 300, records: ['"old"'] };
    const planned = computePlan(rec, rec.change.kind === 'dns.delete_rrset' ? live : null);
    return { rec, plan: planned.ok ? planned.plan : null };
  });
  const now = new Date('2026-01-07T12:00:00Z');
  let sink = 0;
  for (let i = 0; i < Math.min(1000, iterations); i += 1) {
    const input = inputs[i % inputs.length] as (typeof inputs)[number];
    sink += evaluatePolicy(loaded, factsOf(loaded.policy, input.rec, input.plan, { zoneRecords: 300, now }))
      .decision.reasons.length;
  }
  const start = performance.now();
  for (let i = 0; i < iterations; i += 1) {
    const input = inputs[i % inputs.length] as (typeof inputs)[number];
    sink += evaluatePolicy(loaded, factsOf(loaded.policy, input.rec, input.plan, { zoneRecords: 300, now }))
      .decision.reasons.length;
  }
  const ms = performance.now() - start;
  if (sink < 0) throw new Error('unreachable');
  return {
    rules: loaded.policy.rules.length,
    perSecond: iterations / (ms / 1000),
    microsPerEval: (ms * 1000) / iterations,
  };
}

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { requireDefaultPolicy } from '../../activities/policy/policy-files';
import { exampleRecommendation } from '../../src/examples';
import type { Plan, RRset } from '../../src/plan/plan';
import { computePlan } from '../../src/kinds/kinds';
import type { RecordClass } from '../../src/policy/catalog';
import { classesOf } from '../../src/policy/catalog';
import type { Decision, RoleCount, Tier } from '../../src/policy/decision';
import { describeTier, routeOf, stricterTier, tierRank } from '../../src/policy/decision';
import type { Evaluation, LoadedPolicy } from '../../src/policy/evaluate';
import { evaluatePolicy } from '../../src/policy/evaluate';
import type { Facts } from '../../src/policy/facts';
import { factsOf } from '../../src/policy/facts';
import { parsePolicy } from '../../src/policy/parse';
import { reconcile } from '../../src/policy/reconcile';
import type { Environment, Recommendation } from '../../src/schema/recommendation';
import { validateRecommendation } from '../../src/schema/validate-recommendation';
import type { RrsetChange } from './fixtures';
import { addresses, remove, rrset, upsert } from './fixtures';

const apex = 'example.com.';
const www = 'www.example.com.';
const sub = 'sub.example.com.';
const wildcard = '*.example.com.';
const noon = '2026-11-20T12:00:00Z';
const soaData = (serial: number) =>
  `ns1.example.com. hostmaster.example.com. ${serial} 7200 3600 1209600 300`;
const apexNs = rrset(apex, 'NS', ['ns1.example.com.', 'ns2.example.com.']);

/** What one evaluation needs besides the policy. */
interface Input {
  readonly environment: Environment;
  readonly change: RrsetChange;
  readonly confidence?: number;
  readonly incident?: boolean;
  readonly zone?: string;
  /** The live RRset the plan starts from; none when omitted. */
  readonly live?: RRset | null;
  /** False: evaluate before the plan is staged (plan null). */
  readonly staged?: boolean;
  readonly zoneRecords?: number | null;
  readonly now?: string;
}

function recommend(input: Input): Recommendation {
  const result = validateRecommendation(
    exampleRecommendation({
      id: 'rec-1',
      zone: input.zone ?? apex,
      environment: input.environment,
      change: input.change,
      confidence: input.confidence ?? 0.95,
      incidentId: input.incident === true ? 'INC-1' : undefined,
    }),
  );
  if (!result.ok) throw new Error(`fixture is invalid: ${JSON.stringify(result.issues)}`);
  return result.value;
}

function planFor(r: Recommendation, live: RRset | null): Plan {
  const result = computePlan(r, live);
  if (!result.ok) throw new Error(`fixture is a no-op: ${result.message}`);
  return result.plan;
}

function factsFor(loaded: LoadedPolicy, input: Input): Facts {
  const r = recommend(input);
  const plan = input.staged === false ? null : planFor(r, input.live ?? null);
  return factsOf(loaded.policy, r, plan, {
    zoneRecords: input.zoneRecords === undefined ? 50 : input.zoneRecords,
    now: new Date(input.now ?? noon),
  });
}

function evaluate(loaded: LoadedPolicy, input: Input): Evaluation {
  return evaluatePolicy(loaded, factsFor(loaded, input));
}

const ruleIds = (d: Decision) => d.reasons.map((r) => r.rule);
const matchedIds = (e: Evaluation) => e.rules.filter((r) => r.matched).map((r) => r.rule.id);

function minimumApprovals(tier: Tier): number {
  return tier === 3 ? 2 : tier === 2 ? 1 : 0;
}

/** Invariants every decision holds, whatever the input. */
function assertWellFormed(d: Decision, loaded: LoadedPolicy): void {
  assert.equal(d.route, routeOf(d.tier));
  assert.equal(d.notify, d.tier !== 0);
  assert.equal(d.onExpiry, 'reject');
  assert.equal(d.policyVersion, loaded.policy.version);
  assert.equal(d.policyHash, loaded.hash);
  assert.ok(d.reasons.length > 0, 'a decision always explains itself');
  if (d.tier === 'blocked' || tierRank(d.tier) <= 1) assert.equal(d.approvals.count, 0);
  else assert.ok(d.approvals.count >= minimumApprovals(d.tier));
  assert.ok(
    d.approvals.count >= d.approvals.roles.reduce((n, r) => n + r.count, 0),
    'role counts never exceed the approvals needed',
  );
  if (d.tier === 3) assert.ok(d.coolingOffSeconds > 0, 'tier 3 always has a cooling-off delay');
}

const smallPolicyText = `
version: test-1
roles: [sre]
defaults: { tier: 2, approvalExpiry: 1h, onExpiry: reject, coolingOff: 5m, executionWindow: 30m, escalation: [] }
budget: { maxRecordsTouched: 100 }
twoKey: { autoMinConfidence: 0.5, autoMaxRecordsTouched: 50, lowScopeEnvironments: [production, staging, development] }
never: { automatic: { kinds: [], classes: [] }, allowed: [] }
blastRadius: { minZoneRecords: 10, maxUpdateShare: 0.5, maxDeleteShare: 0.5, tier: 3 }
rules:
  - id: development.auto
    description: development is automatic
    match: { environment: [development] }
    decide: { tier: 0 }
`;

/** A permissive policy written in the test: only development has a rule, and it says tier 0. */
function smallPolicy(): LoadedPolicy {
  const result = parsePolicy([{ name: 'p.yaml', text: smallPolicyText }], 'p.yaml');
  if (!result.ok) throw new Error(`test policy is invalid: ${JSON.stringify(result.issues)}`);
  return { policy: result.loaded.policy, hash: 'test', source: 'test' };
}

let shipped: LoadedPolicy;
before(async () => {
  shipped = await requireDefaultPolicy();
});

interface Row extends Input {
  readonly name: string;
  readonly tier: Tier;
  readonly approvals: number;
  /** Rule ids that must be among the decision's reasons. */
  readonly reasons: readonly string[];
  /** Rule ids that must not be among the reasons. */
  readonly notReasons?: readonly string[];
  readonly roles?: readonly RoleCount[];
  readonly coolingOffSeconds?: number;
  readonly approvalExpirySeconds?: number;
  readonly escalation?: Decision['escalation'];
  /** Rule ids that must match, and must not, in `evaluation.rules`. */
  readonly matched?: readonly string[];
  readonly unmatched?: readonly string[];
}

const a = (name: string, records = ['192.0.2.1'], ttl = 300) => upsert(name, 'A', records, ttl);

const decisionTable: readonly Row[] = [
  // --- critical classes -------------------------------------------------------------------------
  {
    name: 'production SOA update',
    environment: 'production',
    change: upsert(apex, 'SOA', [soaData(2)]),
    live: rrset(apex, 'SOA', [soaData(1)]),
    confidence: 0.99,
    tier: 3,
    approvals: 3,
    roles: [
      { role: 'sre', count: 1 },
      { role: 'service-owner', count: 1 },
      { role: 'dns-admin', count: 1 },
    ],
    reasons: ['production.apex', 'production.soa'],
    coolingOffSeconds: 900,
  },
  {
    name: 'staging SOA update, confidence 0.99',
    environment: 'staging',
    change: upsert(apex, 'SOA', [soaData(2)]),
    live: rrset(apex, 'SOA', [soaData(1)]),
    confidence: 0.99,
    tier: 2,
    approvals: 1,
    reasons: ['nonproduction.sensitive', 'never.automatic.soa'],
  },
  {
    name: 'development SOA, confidence 1',
    environment: 'development',
    change: upsert(apex, 'SOA', [soaData(2)]),
    confidence: 1,
    tier: 2,
    approvals: 1,
    reasons: ['never.automatic.soa'],
    notReasons: ['development.default'],
  },
  {
    name: 'production apex NS update',
    environment: 'production',
    change: upsert(apex, 'NS', ['ns1.example.com.', 'ns3.example.com.']),
    live: apexNs,
    tier: 3,
    approvals: 3,
    reasons: ['production.apex', 'production.delegation'],
    coolingOffSeconds: 1800,
  },
  {
    name: 'development apex NS update',
    environment: 'development',
    change: upsert(apex, 'NS', ['ns1.example.com.', 'ns3.example.com.']),
    live: apexNs,
    confidence: 1,
    tier: 2,
    approvals: 1,
    reasons: ['never.automatic.apex_ns'],
  },
  {
    name: 'production delegation NS below the apex',
    environment: 'production',
    change: upsert(sub, 'NS', ['ns1.example.net.']),
    tier: 3,
    approvals: 2,
    roles: [
      { role: 'sre', count: 1 },
      { role: 'dns-admin', count: 1 },
    ],
    reasons: ['production.delegation'],
    coolingOffSeconds: 1800,
  },
  {
    name: 'staging delegation NS below the apex',
    environment: 'staging',
    change: upsert(sub, 'NS', ['ns1.example.net.']),
    tier: 2,
    approvals: 1,
    reasons: ['nonproduction.sensitive'],
  },
  {
    name: 'production delete apex NS',
    environment: 'production',
    change: remove(apex, 'NS'),
    live: apexNs,
    confidence: 1,
    tier: 'blocked',
    approvals: 0,
    reasons: ['never.allowed.apex_ns_delete'],
  },
  {
    name: 'development delete apex NS',
    environment: 'development',
    change: remove(apex, 'NS'),
    live: apexNs,
    confidence: 1,
    tier: 'blocked',
    approvals: 0,
    reasons: ['never.allowed.apex_ns_delete'],
  },
  {
    name: 'delete apex NS, before the plan is staged',
    environment: 'staging',
    change: remove(apex, 'NS'),
    staged: false,
    zoneRecords: null,
    tier: 'blocked',
    approvals: 0,
    reasons: ['never.allowed.apex_ns_delete'],
  },
  {
    name: 'staging delete apex SOA',
    environment: 'staging',
    change: remove(apex, 'SOA'),
    live: rrset(apex, 'SOA', [soaData(1)]),
    tier: 'blocked',
    approvals: 0,
    reasons: ['never.allowed.apex_soa_delete'],
  },
  // --- confidence floors ------------------------------------------------------------------------
  {
    name: 'production A, confidence 0.49',
    environment: 'production',
    change: a(www),
    confidence: 0.49,
    tier: 'blocked',
    approvals: 0,
    reasons: ['production.low_confidence'],
  },
  {
    name: 'production A, confidence 0.2',
    environment: 'production',
    change: a(www),
    confidence: 0.2,
    tier: 'blocked',
    approvals: 0,
    reasons: ['any.very_low_confidence', 'production.low_confidence'],
  },
  {
    name: 'production A, confidence exactly 0.5',
    environment: 'production',
    change: a(www),
    confidence: 0.5,
    tier: 2,
    approvals: 1,
    reasons: ['production.default'],
    unmatched: ['production.low_confidence'],
  },
  {
    name: 'staging A, confidence 0.29',
    environment: 'staging',
    change: a(www),
    confidence: 0.29,
    tier: 'blocked',
    approvals: 0,
    reasons: ['any.very_low_confidence'],
  },
  // --- production -------------------------------------------------------------------------------
  {
    name: 'production A, high confidence',
    environment: 'production',
    change: a(www),
    confidence: 0.99,
    tier: 2,
    approvals: 1,
    roles: [{ role: 'sre', count: 1 }],
    reasons: ['production.default'],
    coolingOffSeconds: 0,
    approvalExpirySeconds: 8 * 3600,
  },
  {
    name: 'production A, confidence 1',
    environment: 'production',
    change: a(www),
    confidence: 1,
    tier: 2,
    approvals: 1,
    roles: [{ role: 'sre', count: 1 }],
    reasons: ['production.default'],
  },
  {
    name: 'production apex A',
    environment: 'production',
    change: a(apex),
    tier: 3,
    approvals: 2,
    roles: [
      { role: 'sre', count: 1 },
      { role: 'service-owner', count: 1 },
    ],
    reasons: ['production.apex'],
    coolingOffSeconds: 900,
  },
  {
    name: 'production MX below the apex',
    environment: 'production',
    change: upsert(`mail.${apex}`, 'MX', ['10 mx.example.com.']),
    tier: 3,
    approvals: 2,
    roles: [
      { role: 'sre', count: 1 },
      { role: 'service-owner', count: 1 },
    ],
    reasons: ['production.mail'],
    coolingOffSeconds: 900,
  },
  {
    name: 'production CAA',
    environment: 'production',
    change: upsert(www, 'CAA', ['0 issue "letsencrypt.org"']),
    tier: 3,
    approvals: 2,
    roles: [
      { role: 'sre', count: 1 },
      { role: 'security', count: 1 },
    ],
    reasons: ['production.caa'],
    coolingOffSeconds: 900,
  },
  {
    name: 'production wildcard A',
    environment: 'production',
    change: a(wildcard),
    tier: 3,
    approvals: 2,
    reasons: ['production.wildcard'],
    coolingOffSeconds: 900,
  },
  {
    name: 'production delete A',
    environment: 'production',
    change: remove(www, 'A'),
    live: rrset(www, 'A', ['192.0.2.1']),
    tier: 3,
    approvals: 2,
    reasons: ['production.delete'],
    coolingOffSeconds: 900,
  },
  {
    name: 'production TXT with an SPF value',
    environment: 'production',
    change: upsert(www, 'TXT', ['v=spf1 include:_spf.example.net -all']),
    tier: 3,
    approvals: 2,
    reasons: ['production.mail'],
    coolingOffSeconds: 900,
  },
  {
    name: 'production _dmarc TXT',
    environment: 'production',
    change: upsert(`_dmarc.${apex}`, 'TXT', ['v=DMARC1; p=reject']),
    tier: 3,
    approvals: 2,
    reasons: ['production.mail'],
  },
  {
    name: 'production DKIM TXT, recognised by its name alone',
    environment: 'production',
    change: upsert(`sel._domainkey.${apex}`, 'TXT', ['k=rsa; p=MIGf']),
    tier: 3,
    approvals: 2,
    reasons: ['production.mail'],
  },
  {
    name: 'staging _dmarc TXT',
    environment: 'staging',
    change: upsert(`_dmarc.${apex}`, 'TXT', ['v=DMARC1; p=reject']),
    tier: 2,
    approvals: 1,
    reasons: ['nonproduction.sensitive'],
  },
  {
    name: 'production plain TXT',
    environment: 'production',
    change: upsert(www, 'TXT', ['hello world']),
    tier: 2,
    approvals: 1,
    reasons: ['production.default'],
    unmatched: ['production.mail'],
  },
  {
    name: 'production TTL increase 300 → 7200',
    environment: 'production',
    change: a(www, ['192.0.2.1'], 7200),
    live: rrset(www, 'A', ['192.0.2.1'], 300),
    tier: 2,
    approvals: 1,
    reasons: ['production.ttl_increase', 'production.default'],
    matched: ['production.ttl_increase', 'production.default'],
  },
  {
    name: 'production TTL increase of exactly 3600',
    environment: 'production',
    change: a(www, ['192.0.2.1'], 3900),
    live: rrset(www, 'A', ['192.0.2.1'], 300),
    tier: 2,
    approvals: 1,
    reasons: ['production.default'],
    unmatched: ['production.ttl_increase'],
  },
  {
    name: 'production TTL decrease',
    environment: 'production',
    change: a(www, ['192.0.2.1'], 300),
    live: rrset(www, 'A', ['192.0.2.1'], 86400),
    tier: 2,
    approvals: 1,
    reasons: ['production.default'],
    unmatched: ['production.ttl_increase'],
  },
  {
    name: 'production incident, confident address fix',
    environment: 'production',
    change: a(www),
    incident: true,
    confidence: 0.95,
    tier: 2,
    approvals: 1,
    reasons: ['production.incident'],
    matched: ['production.incident'],
    approvalExpirySeconds: 7200,
    escalation: [
      { afterSeconds: 600, notify: ['sre'] },
      { afterSeconds: 1800, notify: ['service-owner'] },
    ],
  },
  {
    name: 'production incident, confidence 0.85',
    environment: 'production',
    change: a(www),
    incident: true,
    confidence: 0.85,
    tier: 2,
    approvals: 1,
    reasons: ['production.default'],
    unmatched: ['production.incident'],
    approvalExpirySeconds: 8 * 3600,
  },
  {
    name: 'production, 5 records in a zone labelled critical',
    environment: 'production',
    change: a(www, addresses(5)),
    tier: 3,
    approvals: 2,
    roles: [{ role: 'sre', count: 2 }],
    reasons: ['production.critical_zone_wide_update'],
    coolingOffSeconds: 900,
  },
  {
    name: 'production, 5 records in an unlabelled zone',
    environment: 'production',
    zone: 'example.org.',
    change: a('www.example.org.', addresses(5)),
    tier: 2,
    approvals: 1,
    reasons: ['production.default'],
    unmatched: ['production.critical_zone_wide_update'],
  },
  // --- staging and development ------------------------------------------------------------------
  {
    name: 'staging A, confidence 0.95',
    environment: 'staging',
    change: a(www),
    confidence: 0.95,
    tier: 1,
    approvals: 0,
    reasons: ['staging.default'],
    coolingOffSeconds: 0,
  },
  {
    name: 'staging A, confidence exactly 0.9',
    environment: 'staging',
    change: a(www),
    confidence: 0.9,
    tier: 1,
    approvals: 0,
    reasons: ['staging.default'],
  },
  {
    name: 'staging A, confidence 0.8',
    environment: 'staging',
    change: a(www),
    confidence: 0.8,
    tier: 2,
    approvals: 1,
    roles: [],
    reasons: ['two_key.confidence'],
  },
  {
    name: 'staging apex A',
    environment: 'staging',
    change: a(apex),
    tier: 2,
    approvals: 1,
    roles: [{ role: 'sre', count: 1 }],
    reasons: ['nonproduction.apex'],
  },
  {
    name: 'staging MX',
    environment: 'staging',
    change: upsert(`mail.${apex}`, 'MX', ['10 mx.example.com.']),
    tier: 2,
    approvals: 1,
    reasons: ['nonproduction.sensitive'],
  },
  {
    name: 'staging wildcard A',
    environment: 'staging',
    change: a(wildcard),
    tier: 1,
    approvals: 0,
    reasons: ['staging.default'],
  },
  {
    name: 'staging delete A',
    environment: 'staging',
    change: remove(www, 'A'),
    live: rrset(www, 'A', ['192.0.2.1']),
    tier: 2,
    approvals: 1,
    reasons: ['two_key.delete'],
  },
  {
    name: 'staging A, 10 records (the automatic maximum)',
    environment: 'staging',
    change: a(www, addresses(10)),
    tier: 1,
    approvals: 0,
    reasons: ['staging.default'],
  },
  {
    name: 'staging A, 11 records',
    environment: 'staging',
    change: a(www, addresses(11)),
    tier: 2,
    approvals: 1,
    reasons: ['two_key.scope'],
  },
  {
    name: 'staging A before the plan is staged',
    environment: 'staging',
    change: a(www, addresses(11)),
    staged: false,
    zoneRecords: null,
    tier: 1,
    approvals: 0,
    reasons: ['staging.default'],
  },
  {
    name: 'development A',
    environment: 'development',
    change: a(www),
    tier: 0,
    approvals: 0,
    reasons: ['development.default'],
  },
  {
    name: 'development CNAME',
    environment: 'development',
    change: upsert(www, 'CNAME', ['lb.example.net.']),
    tier: 0,
    approvals: 0,
    reasons: ['development.default'],
  },
  {
    name: 'development CAA',
    environment: 'development',
    change: upsert(www, 'CAA', ['0 issue "letsencrypt.org"']),
    tier: 2,
    approvals: 1,
    reasons: ['nonproduction.sensitive'],
  },
  // --- blast radius -----------------------------------------------------------------------------
  {
    name: 'staging update touching 7 of 20 records (35%)',
    environment: 'staging',
    change: a(www, addresses(3, 101)),
    live: rrset(www, 'A', addresses(4)),
    zoneRecords: 20,
    tier: 3,
    approvals: 2,
    reasons: ['blast_radius.update_share'],
    coolingOffSeconds: 900,
  },
  {
    name: 'production update touching 7 of 20 records (35%)',
    environment: 'production',
    zone: 'example.org.',
    change: a('www.example.org.', addresses(3, 101)),
    live: rrset('www.example.org.', 'A', addresses(4)),
    zoneRecords: 20,
    tier: 3,
    approvals: 2,
    reasons: ['blast_radius.update_share'],
  },
  {
    name: 'staging update touching 6 of 20 records (exactly 30%)',
    environment: 'staging',
    change: a(www, addresses(3, 101)),
    live: rrset(www, 'A', addresses(3)),
    zoneRecords: 20,
    tier: 1,
    approvals: 0,
    reasons: ['staging.default'],
  },
  {
    name: 'staging create of 7 records in a zone of 20',
    environment: 'staging',
    change: a(www, addresses(7)),
    zoneRecords: 20,
    tier: 1,
    approvals: 0,
    reasons: ['staging.default'],
    notReasons: ['blast_radius.update_share'],
  },
  {
    name: 'staging update touching 7 records of a zone below the minimum size (9)',
    environment: 'staging',
    change: a(www, addresses(3, 101)),
    live: rrset(www, 'A', addresses(4)),
    zoneRecords: 9,
    tier: 1,
    approvals: 0,
    reasons: ['staging.default'],
  },
  {
    name: 'staging delete of 7 of 20 records',
    environment: 'staging',
    change: remove(www, 'A'),
    live: rrset(www, 'A', addresses(7)),
    zoneRecords: 20,
    tier: 3,
    approvals: 2,
    reasons: ['blast_radius.delete_share'],
  },
  // --- budget -----------------------------------------------------------------------------------
  {
    name: 'production update touching 120 records',
    environment: 'production',
    change: a(www, addresses(60, 101)),
    live: rrset(www, 'A', addresses(60)),
    zoneRecords: 500,
    tier: 'blocked',
    approvals: 0,
    reasons: ['budget.max_records_touched'],
  },
  {
    name: 'staging update touching exactly 100 records',
    environment: 'staging',
    change: a(www, addresses(50, 101)),
    live: rrset(www, 'A', addresses(50)),
    zoneRecords: 500,
    tier: 2,
    approvals: 1,
    reasons: ['two_key.scope'],
    notReasons: ['budget.max_records_touched'],
  },
  // --- time windows -----------------------------------------------------------------------------
  {
    name: 'production A at 23:00 UTC',
    environment: 'production',
    change: a(www),
    now: '2026-11-20T23:00:00Z',
    tier: 2,
    approvals: 1,
    reasons: ['production.off_hours', 'production.default'],
    matched: ['production.off_hours'],
    escalation: [{ afterSeconds: 1800, notify: ['sre'] }],
  },
  {
    name: 'production A at 12:00 UTC',
    environment: 'production',
    change: a(www),
    now: '2026-11-20T12:00:00Z',
    tier: 2,
    approvals: 1,
    reasons: ['production.default'],
    notReasons: ['production.off_hours'],
    unmatched: ['production.off_hours'],
    escalation: [
      { afterSeconds: 7200, notify: ['sre'] },
      { afterSeconds: 28800, notify: ['dns-admin'] },
    ],
  },
  {
    name: 'production A at 06:59 UTC (the window wraps past midnight)',
    environment: 'production',
    change: a(www),
    now: '2026-11-20T06:59:00Z',
    tier: 2,
    approvals: 1,
    reasons: ['production.off_hours'],
    matched: ['production.off_hours'],
  },
  {
    name: 'production A at 07:00 UTC (the window has ended)',
    environment: 'production',
    change: a(www),
    now: '2026-11-20T07:00:00Z',
    tier: 2,
    approvals: 1,
    reasons: ['production.default'],
    unmatched: ['production.off_hours'],
  },
  {
    name: 'production A at 20:00 UTC (the window has begun)',
    environment: 'production',
    change: a(www),
    now: '2026-11-20T20:00:00Z',
    tier: 2,
    approvals: 1,
    reasons: ['production.off_hours'],
    matched: ['production.off_hours'],
  },
];

describe('shipped default policy: decision table', () => {
  for (const row of decisionTable) {
    it(`${row.name} → ${describeTier(row.tier)} [${row.reasons.join(', ')}]`, () => {
      const evaluation = evaluate(shipped, row);
      const d = evaluation.decision;
      const ids = ruleIds(d);
      assert.equal(d.tier, row.tier, `reasons: ${ids.join(', ')}`);
      assert.equal(d.approvals.count, row.approvals);
      for (const id of row.reasons)
        assert.ok(ids.includes(id), `${id} missing from reasons ${ids.join(', ')}`);
      for (const id of row.notReasons ?? []) assert.ok(!ids.includes(id), `${id} should not be a reason`);
      if (row.roles !== undefined) assert.deepEqual(d.approvals.roles, row.roles);
      if (row.coolingOffSeconds !== undefined) assert.equal(d.coolingOffSeconds, row.coolingOffSeconds);
      if (row.approvalExpirySeconds !== undefined)
        assert.equal(d.approvalExpirySeconds, row.approvalExpirySeconds);
      if (row.escalation !== undefined) assert.deepEqual(d.escalation, row.escalation);
      const matched = matchedIds(evaluation);
      for (const id of row.matched ?? []) assert.ok(matched.includes(id), `${id} should match`);
      for (const id of row.unmatched ?? []) assert.ok(!matched.includes(id), `${id} should not match`);
      assertWellFormed(d, shipped);
    });
  }

  it('every rule of the policy is reported, in file order, matched or not', () => {
    const evaluation = evaluate(shipped, { environment: 'production', change: a(www) });
    assert.deepEqual(
      evaluation.rules.map((r) => r.rule.id),
      shipped.policy.rules.map((r) => r.id),
    );
    const offHours = evaluation.rules.find((r) => r.rule.id === 'production.off_hours');
    assert.equal(offHours?.matched, false);
    assert.deepEqual(
      offHours?.conditions.map((c) => ({ path: c.path, held: c.held })),
      [
        { path: 'environment', held: true },
        { path: 'window', held: false },
      ],
    );
    assert.equal(offHours?.conditions[1]?.expected, '20:00-07:00 UTC');
  });
});

describe('shipped default policy: reasons carry path, value and threshold', () => {
  const cases: {
    name: string;
    input: Input;
    reason: { rule: string; path: string; value: string; threshold?: string };
  }[] = [
    {
      name: 'two-key confidence',
      input: { environment: 'staging', change: a(www), confidence: 0.8 },
      reason: { rule: 'two_key.confidence', path: 'confidence', value: '0.8', threshold: '< 0.9' },
    },
    {
      name: 'blast radius',
      input: {
        environment: 'staging',
        change: a(www, addresses(3, 101)),
        live: rrset(www, 'A', addresses(4)),
        zoneRecords: 20,
      },
      reason: {
        rule: 'blast_radius.update_share',
        path: 'plan',
        value: '35.0% of 20 records',
        threshold: '> 30%',
      },
    },
    {
      name: 'budget',
      input: {
        environment: 'production',
        change: a(www, addresses(60, 101)),
        live: rrset(www, 'A', addresses(60)),
        zoneRecords: 500,
      },
      reason: { rule: 'budget.max_records_touched', path: 'plan', value: '120', threshold: '> 100' },
    },
    {
      name: 'a rule with a numeric bound',
      input: {
        environment: 'production',
        change: a(www, ['192.0.2.1'], 7200),
        live: rrset(www, 'A', ['192.0.2.1'], 300),
      },
      reason: {
        rule: 'production.ttl_increase',
        path: 'environment, ttlDelta',
        value: 'production, 6900',
        threshold: 'ttlDelta > 3600',
      },
    },
    {
      name: 'a rule without bounds',
      input: { environment: 'production', change: a(www) },
      reason: { rule: 'production.default', path: 'environment', value: 'production' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = evaluate(shipped, c.input).decision;
      const reason = d.reasons.find((r) => r.rule === c.reason.rule);
      assert.ok(reason !== undefined, `no ${c.reason.rule} in ${ruleIds(d).join(', ')}`);
      assert.deepEqual(
        { rule: reason.rule, path: reason.path, value: reason.value, threshold: reason.threshold },
        { threshold: undefined, ...c.reason },
      );
      assert.ok(reason.message.length > 0);
    });
  }
});

describe('classes and guards', () => {
  const classes: { type: string; apex: boolean; name: string; records: string[]; expected: RecordClass[] }[] =
    [
      { type: 'SOA', apex: true, name: apex, records: [soaData(1)], expected: ['soa'] },
      { type: 'NS', apex: true, name: apex, records: [], expected: ['apex_ns'] },
      { type: 'NS', apex: false, name: sub, records: [], expected: ['delegation'] },
      { type: 'DS', apex: false, name: sub, records: [], expected: ['dnssec'] },
      { type: 'DNSKEY', apex: true, name: apex, records: [], expected: ['dnssec'] },
      { type: 'CDS', apex: false, name: sub, records: [], expected: ['dnssec'] },
      { type: 'CDNSKEY', apex: false, name: sub, records: [], expected: ['dnssec'] },
      { type: 'MX', apex: true, name: apex, records: [], expected: ['mail'] },
      { type: 'CAA', apex: true, name: apex, records: [], expected: ['caa'] },
      { type: 'A', apex: false, name: www, records: [], expected: ['address'] },
      { type: 'AAAA', apex: false, name: www, records: [], expected: ['address'] },
      { type: 'CNAME', apex: false, name: www, records: [], expected: ['alias'] },
      { type: 'SRV', apex: false, name: `_sip._tcp.${apex}`, records: [], expected: ['service'] },
      { type: 'TXT', apex: false, name: www, records: ['"hello"'], expected: ['text'] },
      { type: 'TXT', apex: true, name: apex, records: ['"v=spf1 -all"'], expected: ['mail', 'text'] },
      { type: 'TXT', apex: false, name: `_dmarc.${apex}`, records: [], expected: ['mail', 'text'] },
      { type: 'TXT', apex: false, name: `s1._domainkey.${apex}`, records: [], expected: ['mail', 'text'] },
      { type: 'TXT', apex: false, name: www, records: ['"v=DKIM1; p=x"'], expected: ['mail', 'text'] },
      { type: 'PTR', apex: false, name: www, records: [], expected: [] },
    ];
  for (const c of classes) {
    it(`classesOf ${c.type} ${c.name} ${c.records.join(' ')} = [${c.expected.join(', ')}]`, () => {
      assert.deepEqual(classesOf(c.type, c.apex, c.name, c.records), c.expected);
    });
  }

  /** Facts of a real DS recommendation (a delegation's DS record), validated and planned. */
  function dnssecFacts(loaded: LoadedPolicy, environment: Environment): Facts {
    return factsFor(loaded, {
      environment,
      change: upsert(sub, 'DS', [
        '60485 13 2 2bb183af5f22588179a53b0a98631fad1a2921182bb183af5f22588179a53b0a',
      ]),
      confidence: 0.99,
    });
  }

  it("production DNSSEC (DS) → tier 3 with dns-admin and security (and production.default's sre)", () => {
    const d = evaluatePolicy(shipped, dnssecFacts(shipped, 'production')).decision;
    assert.equal(d.tier, 3);
    assert.deepEqual(ruleIds(d), ['production.dnssec']);
    assert.equal(d.approvals.count, 3);
    assert.deepEqual(d.approvals.roles, [
      { role: 'dns-admin', count: 1 },
      { role: 'security', count: 1 },
      { role: 'sre', count: 1 },
    ]);
    assert.equal(d.coolingOffSeconds, 1800);
  });

  it('a DNSSEC change that breaks a chain of trust → tier 3, or blocked where the policy says so', () => {
    const facts = { ...dnssecFacts(shipped, 'staging'), chainBreak: 'removes the last DS of a signed child' };
    const d = evaluatePolicy(shipped, facts).decision;
    assert.equal(d.tier, 3);
    assert.equal(d.reasons.find((r) => r.rule === 'dnssec.breaks_chain')?.message, facts.chainBreak);
    const strict = {
      ...shipped,
      policy: { ...shipped.policy, dnssec: { breakingChange: 'blocked' as const } },
    };
    assert.equal(evaluatePolicy(strict, facts).decision.route, 'blocked');
    assert.equal(
      evaluatePolicy(shipped, dnssecFacts(shipped, 'staging')).decision.tier,
      2,
      'intact chain: tier 2',
    );
  });

  it('staging DNSSEC (DS) → tier 2, never automatic', () => {
    const d = evaluatePolicy(shipped, dnssecFacts(shipped, 'staging')).decision;
    assert.equal(d.tier, 2);
    assert.ok(ruleIds(d).includes('nonproduction.sensitive'));
    assert.ok(ruleIds(d).includes('never.automatic.dnssec'));
  });

  it('a policy with no rules for them still never lets critical classes or kinds run automatically', () => {
    const small = smallPolicy();
    const base = factsFor(small, { environment: 'development', change: a(sub), confidence: 0.99 });
    const plain = evaluatePolicy(small, base).decision;
    assert.equal(plain.tier, 0, 'the permissive policy makes an ordinary change automatic');
    const cases: { facts: Facts; rule: string; path: string }[] = [
      {
        facts: factsFor(small, { environment: 'development', change: upsert(apex, 'SOA', [soaData(2)]) }),
        rule: 'never.automatic.soa',
        path: 'change.type',
      },
      {
        facts: factsFor(small, {
          environment: 'development',
          change: upsert(apex, 'NS', ['ns1.example.net.']),
        }),
        rule: 'never.automatic.apex_ns',
        path: 'change.type',
      },
      {
        facts: { ...base, type: 'DNSKEY', classes: ['dnssec'] },
        rule: 'never.automatic.dnssec',
        path: 'change.type',
      },
      {
        facts: { ...base, kind: 'registrar.add_ds', classes: [] },
        rule: 'never.automatic.registrar.add_ds',
        path: 'change.kind',
      },
    ];
    for (const c of cases) {
      const d = evaluatePolicy(small, c.facts).decision;
      assert.equal(d.tier, 2, c.rule);
      const reason = d.reasons.find((r) => r.rule === c.rule);
      assert.equal(reason?.path, c.path, `${c.rule} in ${ruleIds(d).join(', ')}`);
    }
  });

  it('no rule matched → the default tier, with reason defaults.tier', () => {
    const small = smallPolicy();
    const evaluation = evaluate(small, { environment: 'staging', change: a(www), confidence: 0.99 });
    const d = evaluation.decision;
    assert.deepEqual(matchedIds(evaluation), []);
    assert.equal(d.tier, 2);
    assert.deepEqual(ruleIds(d), ['defaults.tier']);
    assert.equal(d.approvals.count, 1);
    assert.equal(d.approvalExpirySeconds, 3600);
    assert.equal(d.executionWindowSeconds, 1800);
    assert.equal(d.policyHash, 'test');
  });
});

describe('reconcile: the stricter of the decided and the current decision applies', () => {
  const base = (tier: Tier, count: number, coolingOffSeconds = 0, policyHash = 'decided'): Decision => ({
    policyVersion: 'v',
    policyHash,
    tier,
    route: routeOf(tier),
    approvals: { count, roles: [] },
    coolingOffSeconds,
    approvalExpirySeconds: 3600,
    onExpiry: 'reject',
    executionWindowSeconds: 3600,
    escalation: [],
    notify: tier !== 0,
    reasons: [{ rule: 'r', path: 'p', value: 'v', message: 'm' }],
  });

  it('a looser current policy changes nothing: proceed with the decided one', () => {
    const decided = base(3, 2, 900);
    const current = base(2, 1, 0, 'current');
    const out = reconcile(decided, current, 2);
    assert.equal(out.action, 'proceed');
    assert.equal(out.decision, decided);
    assert.ok(out.action === 'proceed' && out.changed, 'the policy hash changed');
  });

  it('the same policy again: proceed, unchanged', () => {
    const decided = base(2, 1);
    const out = reconcile(decided, base(2, 1), 1);
    assert.deepEqual(out, { action: 'proceed', decision: decided, changed: false });
  });

  it('a stricter policy that blocks: block', () => {
    const current = base('blocked', 0, 0, 'current');
    const out = reconcile(base(2, 1), current, 1);
    assert.deepEqual(out, { action: 'block', decision: current });
  });

  it('a stricter policy needing more approvals than were counted: approve again', () => {
    const current = base(3, 2, 0, 'current');
    const out = reconcile(base(2, 1), current, 1);
    assert.deepEqual(out, { action: 'approve_again', decision: current });
  });

  it('a stricter policy adding a cooling-off delay: approve again, even with enough approvals', () => {
    const current = base(3, 2, 900, 'current');
    const out = reconcile(base(2, 2), current, 2);
    assert.equal(out.action, 'approve_again');
  });

  it('a stricter policy already satisfied by the approvals counted: proceed with the current one', () => {
    const current = base(3, 2, 0, 'current');
    const out = reconcile(base(2, 1), current, 2);
    assert.deepEqual(out, { action: 'proceed', decision: current, changed: true });
  });

  it('a stricter policy that is still automatic: proceed with the current one', () => {
    const current = base(1, 0, 0, 'current');
    const out = reconcile(base(0, 0), current, 0);
    assert.deepEqual(out, { action: 'proceed', decision: current, changed: true });
  });

  it('with real evaluations: a production change re-evaluated off hours proceeds on the decided approval', () => {
    const input: Input = { environment: 'production', change: a(www) };
    const decided = evaluate(shipped, input).decision;
    const current = evaluate(shipped, { ...input, now: '2026-11-20T23:00:00Z' }).decision;
    const out = reconcile(decided, current, 1);
    assert.equal(out.action, 'proceed');
    assert.equal(stricterTier(decided.tier, current.tier), 2);
  });
});

// --- properties -----------------------------------------------------------------------------------

const environments: Environment[] = ['production', 'staging', 'development'];
const types = ['A', 'AAAA', 'TXT', 'MX', 'NS', 'CAA', 'SOA', 'CNAME'] as const;
type GenType = (typeof types)[number];
type NameKind = 'apex' | 'sub' | 'wildcard';

/** Record data number `i` of a type; `i` >= 100 for live records, so live and proposed never overlap. */
function data(type: GenType, i: number): string {
  switch (type) {
    case 'A':
      return `192.0.2.${i}`;
    case 'AAAA':
      return `2001:db8::${i}`;
    case 'TXT':
      return `"t${i}"`;
    case 'MX':
      return `10 mx${i}.example.net.`;
    case 'NS':
      return `ns${i}.example.net.`;
    case 'CAA':
      return `0 issue "ca${i}.example.net"`;
    case 'SOA':
      return soaData(i);
    case 'CNAME':
      return `t${i}.example.net.`;
  }
}

interface Generated {
  readonly environment: Environment;
  readonly type: GenType;
  readonly nameKind: NameKind;
  readonly kind: 'upsert' | 'delete';
  /** Records proposed (upsert) and live (0: none). */
  readonly count: number;
  readonly liveCount: number;
  readonly ttl: number;
  readonly liveTtl: number;
  readonly confidence: number;
  readonly incident: boolean;
  readonly staged: boolean;
  readonly zoneRecords: number;
  readonly hour: number;
}

const generated = fc.record<Generated>({
  environment: fc.constantFrom(...environments),
  type: fc.constantFrom(...types),
  nameKind: fc.constantFrom<NameKind>('apex', 'sub', 'wildcard'),
  kind: fc.constantFrom<'upsert' | 'delete'>('upsert', 'delete'),
  count: fc.integer({ min: 1, max: 20 }),
  liveCount: fc.integer({ min: 0, max: 20 }),
  ttl: fc.constantFrom(300, 3600, 86400),
  liveTtl: fc.constantFrom(300, 3600, 86400),
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  incident: fc.boolean(),
  staged: fc.boolean(),
  zoneRecords: fc.integer({ min: 1, max: 500 }),
  hour: fc.integer({ min: 0, max: 23 }),
});

/** Makes a generated case valid: CNAME not at the apex, SOA only there, singletons single, deletes of something. */
function normalise(g: Generated): Generated {
  const singleton = g.type === 'CNAME' || g.type === 'SOA';
  const nameKind: NameKind =
    g.type === 'SOA' ? 'apex' : g.type === 'CNAME' && g.nameKind === 'apex' ? 'sub' : g.nameKind;
  const count = singleton ? 1 : g.count;
  let liveCount = singleton ? Math.min(g.liveCount, 1) : g.liveCount;
  if (g.kind === 'delete') liveCount = Math.max(liveCount, 1);
  return { ...g, nameKind, count, liveCount };
}

const ownerOf = (kind: NameKind) => (kind === 'apex' ? apex : kind === 'sub' ? sub : wildcard);

function inputOf(raw: Generated): Input {
  const g = normalise(raw);
  const name = ownerOf(g.nameKind);
  const records = Array.from({ length: g.count }, (_, i) => data(g.type, i + 1));
  const live = Array.from({ length: g.liveCount }, (_, i) => data(g.type, i + 100));
  return {
    environment: g.environment,
    change: g.kind === 'upsert' ? upsert(name, g.type, records, g.ttl) : remove(name, g.type),
    confidence: g.confidence,
    incident: g.incident,
    live: g.liveCount === 0 ? null : rrset(name, g.type, live, g.liveTtl),
    staged: g.staged,
    zoneRecords: g.zoneRecords,
    now: `2026-11-20T${String(g.hour).padStart(2, '0')}:30:00Z`,
  };
}

const tierOf = (loaded: LoadedPolicy, input: Input) => evaluate(loaded, input).decision.tier;

describe('shipped default policy: properties', () => {
  it('every generated decision is well formed', () => {
    fc.assert(
      fc.property(generated, (g) => {
        assertWellFormed(evaluate(shipped, inputOf(g)).decision, shipped);
      }),
    );
  });

  it('lowering confidence never lowers the tier', () => {
    fc.assert(
      fc.property(generated, fc.double({ min: 0, max: 1, noNaN: true }), (g, factor) => {
        const input = inputOf(g);
        const lower = { ...input, confidence: (input.confidence ?? 0.95) * factor };
        const high = tierOf(shipped, input);
        const low = tierOf(shipped, lower);
        assert.ok(
          tierRank(low) >= tierRank(high),
          `confidence ${input.confidence} → ${String(high)}, ${lower.confidence} → ${String(low)}`,
        );
      }),
    );
  });

  it('touching more records in the same zone never lowers the tier', () => {
    const widenable = generated.filter((g) => g.type !== 'CNAME' && g.type !== 'SOA');
    fc.assert(
      fc.property(widenable, fc.integer({ min: 1, max: 20 }), (raw, extra) => {
        const g = { ...normalise(raw), staged: true };
        const wider =
          g.kind === 'upsert' ? { ...g, count: g.count + extra } : { ...g, liveCount: g.liveCount + extra };
        const narrow = tierOf(shipped, inputOf(g));
        const wide = tierOf(shipped, inputOf(wider));
        assert.ok(
          tierRank(wide) >= tierRank(narrow),
          `${String(narrow)} → ${String(wide)} with ${extra} more`,
        );
      }),
    );
  });

  it('a larger share of a zone (same plan, smaller zone of at least the minimum size) never lowers the tier', () => {
    fc.assert(
      fc.property(
        generated,
        fc.integer({ min: 10, max: 500 }),
        fc.integer({ min: 10, max: 500 }),
        (g, x, y) => {
          const input = { ...inputOf(g), staged: true };
          const large = tierOf(shipped, { ...input, zoneRecords: Math.max(x, y) });
          const small = tierOf(shipped, { ...input, zoneRecords: Math.min(x, y) });
          assert.ok(
            tierRank(small) >= tierRank(large),
            `${Math.max(x, y)} → ${String(large)}, ${Math.min(x, y)} → ${String(small)}`,
          );
        },
      ),
    );
  });

  it('SOA and apex NS changes are never tier 0 or 1, on the shipped policy or a permissive one', () => {
    const small = smallPolicy();
    const critical = generated.map((g) => ({
      ...g,
      type: g.count % 2 === 0 ? ('SOA' as const) : ('NS' as const),
      nameKind: 'apex' as const,
    }));
    fc.assert(
      fc.property(critical, (g) => {
        const input = inputOf(g);
        for (const loaded of [shipped, small]) {
          const tier = tierOf(loaded, input);
          assert.ok(tierRank(tier) >= 2, `${input.change.type} in ${input.environment} → ${String(tier)}`);
        }
      }),
    );
  });

  it('deleting the apex NS or SOA is always blocked', () => {
    const deletes = generated.map((g) => ({
      ...g,
      type: g.count % 2 === 0 ? ('SOA' as const) : ('NS' as const),
      nameKind: 'apex' as const,
      kind: 'delete' as const,
    }));
    fc.assert(
      fc.property(deletes, (g) => {
        const input = inputOf(g);
        const d = evaluate(shipped, input).decision;
        assert.equal(d.tier, 'blocked');
        assert.ok(
          ruleIds(d).includes(`never.allowed.apex_${input.change.type === 'SOA' ? 'soa' : 'ns'}_delete`),
          ruleIds(d).join(', '),
        );
      }),
    );
  });

  it('is deterministic: the same input twice gives deep-equal decisions', () => {
    fc.assert(
      fc.property(generated, (g) => {
        const input = inputOf(g);
        assert.deepEqual(evaluate(shipped, structuredClone(input)), evaluate(shipped, input));
      }),
    );
  });
});

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requireDefaultPolicy } from '../../activities/policy/policy-store';
import type { ChangeView } from '../../src/change/view';
import { renderDecisionCard } from '../../src/change/decision-card';
import type { Plan, RRset } from '../../src/plan/plan';
import { computePlan } from '../../src/kinds/kinds';
import type { Decision } from '../../src/policy/decision';
import { describeTier } from '../../src/policy/decision';
import type { LoadedPolicy } from '../../src/policy/evaluate';
import { evaluatePolicy } from '../../src/policy/evaluate';
import { factsOf } from '../../src/policy/facts';
import { exampleRecommendation } from '../../src/examples';
import { validateRecommendation } from '../../src/schema/validate-recommendation';
import type { Change, Environment, Recommendation } from '../../src/schema/recommendation';
import { addresses, rrset } from './fixtures';

const apiA: Change = {
  kind: 'dns.upsert_rrset',
  name: 'api.example.com',
  type: 'A',
  ttl: 300,
  records: ['192.0.2.21'],
};

function recommendation(change: Change = apiA, environment: Environment = 'production'): Recommendation {
  const result = validateRecommendation(
    exampleRecommendation({
      id: 'rec-42',
      zone: 'example.com',
      environment,
      onBehalfOf: 'bob@example.com',
      incidentId: 'INC-7',
      confidence: 0.875,
      change,
    }),
  );
  if (!result.ok) throw new Error('fixture invalid');
  return result.value;
}

function planOf(rec: Recommendation, live: RRset | null): Plan {
  const planned = computePlan(rec, live);
  if (!planned.ok) throw new Error('fixture is a no-op');
  return planned.plan;
}

let shipped: LoadedPolicy;
before(async () => {
  shipped = await requireDefaultPolicy();
});

/** The shipped policy's decision on a staged plan, at 10:05 UTC (working hours). */
function decide(rec: Recommendation, plan: Plan, zoneRecords = 50): Decision {
  const now = new Date('2026-11-20T10:05:00Z');
  return evaluatePolicy(shipped, factsOf(shipped.policy, rec, plan, { zoneRecords, now })).decision;
}

function view(overrides: Partial<ChangeView> = {}): ChangeView {
  const rec = recommendation();
  const plan = planOf(rec, rrset('api.example.com.', 'A', ['192.0.2.20']));
  const decision = decide(rec, plan);
  return {
    workflowId: 'change-rec-42',
    recommendation: rec,
    state: 'awaiting_approval',
    decision,
    plan,
    approval: {
      planHash: plan.hash,
      required: decision.approvals.count,
      excluded: [
        { principal: 'aiops-dns-agent', why: 'agent' },
        { principal: 'bob@example.com', why: 'requester' },
      ],
      expiresAt: '2026-11-21T10:05:00.000Z',
      state: { status: 'pending', approvals: [] },
    },
    coolingOffUntil: null,
    outcome: null,
    evidenceHead: '0'.repeat(64),
    evidenceLength: 4,
    ...overrides,
  };
}

/** A view of another change, decided by the shipped policy. */
function viewOf(
  change: Change,
  live: RRset | null,
  zoneRecords = 50,
  environment: Environment = 'production',
): ChangeView {
  const rec = recommendation(change, environment);
  const plan = planOf(rec, live);
  const decision = decide(rec, plan, zoneRecords);
  const base = view();
  return view({
    recommendation: rec,
    plan,
    decision,
    approval: { ...base.approval!, planHash: plan.hash, required: decision.approvals.count },
  });
}

describe('renderDecisionCard', () => {
  const expectedLines: { label: string; line: (v: ChangeView) => string }[] = [
    { label: 'title', line: () => '### dns.upsert_rrset api.example.com. A — awaiting_approval' },
    { label: 'target', line: () => '**Target** example.com. (production, tenant acme)' },
    {
      label: 'proposer',
      line: () =>
        '**Proposed by** aiops-dns-agent (ops-llm 2026-10, prompt dns-remediation@3) on behalf of bob@example.com',
    },
    { label: 'confidence', line: () => '**Confidence** 0.88 · incident INC-7' },
    { label: 'change', line: (v) => `**Change** (plan ${v.plan!.hash.slice(0, 16)})` },
    { label: 'diff, removed', line: () => '- api.example.com. 300 A 192.0.2.20' },
    { label: 'diff, added', line: () => '+ api.example.com. 300 A 192.0.2.21' },
    { label: 'rollback', line: () => '**Rollback** restore 1 record(s), TTL 300, verified by DNS query' },
    {
      label: 'risk: tier 2 under the shipped policy version',
      line: (v) => `**Risk** ${describeTier(2)} under policy ${v.decision!.policyVersion}`,
    },
    {
      label: 'the reason: production.default',
      line: () =>
        '- `production.default` environment = production: production changes need a human approval, however confident the AI is',
    },
    { label: 'needs: one sre', line: () => '**Needs** 1 distinct approver(s): 1 sre' },
    { label: 'approvals', line: () => '**Approvals** 0 of 1 (pending), expires 2026-11-21T10:05:00.000Z' },
    { label: 'exclusions', line: () => '- may not approve: aiops-dns-agent, bob@example.com' },
  ];
  for (const expected of expectedLines) {
    it(`contains the ${expected.label} line`, () => {
      const v = view();
      assert.equal(v.decision!.policyVersion, shipped.policy.version);
      const card = renderDecisionCard(v);
      assert.ok(card.split('\n').includes(expected.line(v)), `missing ${expected.line(v)} in card:\n${card}`);
    });
  }

  it('puts the diff inside a diff code block', () => {
    const lines = renderDecisionCard(view()).split('\n');
    const start = lines.indexOf('```diff');
    assert.ok(start >= 0);
    assert.deepEqual(lines.slice(start, start + 4), [
      '```diff',
      '- api.example.com. 300 A 192.0.2.20',
      '+ api.example.com. 300 A 192.0.2.21',
      '```',
    ]);
  });

  it('tier 3 at the apex: the risk, the reason and the roles needed, with the cooling-off delay', () => {
    const v = viewOf({ ...apiA, name: 'example.com' }, null);
    assert.equal(v.decision!.tier, 3);
    const lines = renderDecisionCard(v).split('\n');
    for (const line of [
      `**Risk** ${describeTier(3)} under policy ${shipped.policy.version}`,
      '- `production.apex` environment, apex = production, true: production zone apex, dual control and a cooling-off delay',
      '**Needs** 2 distinct approver(s): 1 sre + 1 service-owner, then 15m cooling-off',
      '**Approvals** 0 of 2 (pending), expires 2026-11-21T10:05:00.000Z',
    ])
      assert.ok(lines.includes(line), `missing ${line} in:\n${lines.join('\n')}`);
  });

  it('lists every reason with its rule id and threshold', () => {
    // 7 of 20 records in a zone labelled critical: a rule with a bound and the blast-radius guard.
    const v = viewOf(
      { ...apiA, records: addresses(3, 101) },
      rrset('api.example.com.', 'A', addresses(4)),
      20,
    );
    const d = v.decision!;
    assert.equal(d.tier, 3);
    assert.deepEqual(
      d.reasons.map((r) => r.rule),
      ['production.critical_zone_wide_update', 'blast_radius.update_share'],
    );
    const lines = renderDecisionCard(v).split('\n');
    for (const line of [
      `**Risk** ${describeTier(3)} under policy ${shipped.policy.version}`,
      '- `production.critical_zone_wide_update` environment, zoneLabels.criticality, recordsTouched = production, high, 7 (recordsTouched > 4): several records at once in a zone labelled critical',
      '- `blast_radius.update_share` plan = 35.0% of 20 records (> 30%): the plan touches a large share of the zone',
      '**Needs** 2 distinct approver(s): 2 sre, then 15m cooling-off',
    ])
      assert.ok(lines.includes(line), `missing ${line} in:\n${lines.join('\n')}`);
    for (const reason of d.reasons) {
      const line = lines.find((l) => l.startsWith(`- \`${reason.rule}\` `));
      assert.ok(line !== undefined, `no line for ${reason.rule}`);
      if (reason.threshold !== undefined) assert.ok(line.includes(`(${reason.threshold})`), line);
    }
  });

  it('has no Needs line for an automatic decision', () => {
    const v = viewOf(apiA, null, 50, 'staging');
    assert.equal(v.decision!.tier, 2, 'confidence 0.875 is below the automatic threshold');
    const auto = view({
      decision: { ...v.decision!, tier: 1, route: 'auto', approvals: { count: 0, roles: [] } },
    });
    assert.ok(!renderDecisionCard(auto).includes('**Needs**'));
    assert.ok(renderDecisionCard(v).includes('**Needs** 1 distinct approver(s)\n'));
  });

  it('shows given approvals, a rejection, cooling-off and the outcome', () => {
    const base = view();
    const text = renderDecisionCard(
      view({
        state: 'rejected',
        approval: {
          ...base.approval!,
          required: 2,
          state: {
            status: 'rejected',
            approvals: [{ principal: 'alice@example.com', reason: 'looks right', at: 1, channel: 'update' }],
            rejection: { principal: 'carol@example.com', reason: 'wrong pool', at: 2, channel: 'signal' },
          },
        },
        coolingOffUntil: '2026-11-20T11:00:00.000Z',
        outcome: { code: 'rejected', message: 'rejected by carol@example.com' },
      }),
    );
    const cardLines = text.split('\n');
    for (const line of [
      '**Approvals** 1 of 2 (rejected), expires 2026-11-21T10:05:00.000Z',
      '- approved by alice@example.com: looks right',
      '- rejected by carol@example.com: wrong pool',
      '**Cooling-off** until 2026-11-20T11:00:00.000Z; any approver may veto',
      '**Outcome** rejected: rejected by carol@example.com',
    ])
      assert.ok(cardLines.includes(line), `missing ${line} in:\n${text}`);
  });

  it('describes the rollback of a create as deleting the RRset', () => {
    const base = view();
    const create: Plan = { ...base.plan!, operation: 'create', before: null };
    assert.ok(renderDecisionCard(view({ plan: create })).includes('**Rollback** delete the RRset again'));
  });

  it('omits the plan, risk and approval sections when they do not exist yet', () => {
    const text = renderDecisionCard(
      view({ state: 'validating', plan: null, decision: null, approval: null }),
    );
    for (const absent of [
      '**Change**',
      '```diff',
      '**Rollback**',
      '**Risk**',
      '**Approvals**',
      '**Cooling-off**',
      '**Outcome**',
    ])
      assert.ok(!text.includes(absent), `${absent} should be absent`);
    assert.ok(text.startsWith('### dns.upsert_rrset api.example.com. A — validating'));
  });
  it('shows a freeze in force, the break-glass it was approved under and the exceptions applied', () => {
    const grant = {
      id: 'bg-1',
      scope: 'zone:example.com.',
      holder: 'alice@example.com',
      reason: 'mail bounces',
      incident: 'INC-7',
      expiresAt: '2026-11-20T11:00:00.000Z',
    };
    const text = renderDecisionCard(
      view({
        overrides: {
          active: {
            freezes: [
              {
                scope: 'tenant:acme',
                by: 'erin@example.com',
                reason: 'provider migration',
                since: '2026-11-20T10:00:00.000Z',
                until: null,
                incident: null,
              },
            ],
            breakGlass: [grant],
            exceptions: [
              {
                id: 'ttl-auto',
                scope: 'zone:example.com.',
                owner: 'carol@example.com',
                justification: 'CDN migration',
                match: { ttlOnly: true },
                effect: { direction: 'loosen', tier: 0 },
                approvedBy: ['alice@example.com', 'erin@example.com'],
                expiresAt: '2026-11-27T10:00:00.000Z',
              },
            ],
          },
          breakGlass: grant,
          marks: ['break-glass:bg-1', 'exception:ttl-auto'],
        },
      }),
    );
    for (const expected of [
      '**Frozen** tenant:acme by erin@example.com: provider migration — approvals may be given; execution waits until it is lifted',
      '**Break-glass** approved by alice@example.com under bg-1 (zone:example.com., until 2026-11-20T11:00:00.000Z, incident INC-7): no second approver; a different operator reviews it afterwards',
      '**Exception** ttl-auto (zone:example.com., loosen to tier 0) owned by carol@example.com, until 2026-11-27T10:00:00.000Z: CDN migration',
    ])
      assert.ok(text.split('\n').includes(expected), `missing ${expected} in:\n${text}`);
    assert.ok(!renderDecisionCard(view()).includes('**Frozen**'), 'no overrides, no lines');
  });
});

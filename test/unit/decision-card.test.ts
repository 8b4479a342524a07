import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeView } from '../../src/change/view';
import { renderDecisionCard } from '../../src/change/decision-card';
import type { Plan } from '../../src/plan/plan';
import { computePlan } from '../../src/plan/plan';
import { checkPlan } from '../../src/policy/check';
import { describeTier } from '../../src/policy/decision';
import { classifyWithDefaultPolicy } from '../../src/policy/default-policy';
import { exampleRecommendation } from '../../src/examples';
import { validateRecommendation } from '../../src/schema/validate-recommendation';
import type { Recommendation } from '../../src/schema/recommendation';
import { rrset } from './fixtures';

function recommendation(): Recommendation {
  const result = validateRecommendation(
    exampleRecommendation({
      id: 'rec-42',
      zone: 'example.com',
      environment: 'production',
      onBehalfOf: 'bob@example.com',
      incidentId: 'INC-7',
      confidence: 0.875,
      change: {
        kind: 'dns.upsert_rrset',
        name: 'api.example.com',
        type: 'A',
        ttl: 300,
        records: ['192.0.2.21'],
      },
    }),
  );
  if (!result.ok) throw new Error('fixture invalid');
  return result.value;
}

function view(overrides: Partial<ChangeView> = {}): ChangeView {
  const rec = recommendation();
  const planned = computePlan(rec, rrset('api.example.com.', 'A', ['192.0.2.20']));
  if (!planned.ok) throw new Error('fixture is a no-op');
  const plan: Plan = planned.plan;
  const decision = checkPlan(rec, classifyWithDefaultPolicy(rec), plan);
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

describe('renderDecisionCard', () => {
  const card = renderDecisionCard(view());
  const lines = card.split('\n');
  const v = view();

  const expectedLines = [
    '### dns.upsert_rrset api.example.com. A — awaiting_approval',
    '**Target** example.com. (production, tenant acme)',
    '**Proposed by** aiops-dns-agent (ops-llm 2026-10, prompt dns-remediation@3) on behalf of bob@example.com',
    '**Confidence** 0.88 · incident INC-7',
    `**Change** (plan ${v.plan!.hash.slice(0, 16)})`,
    '- api.example.com. 300 A 192.0.2.20',
    '+ api.example.com. 300 A 192.0.2.21',
    '**Rollback** restore 1 record(s), TTL 300, verified by DNS query',
    `**Risk** ${describeTier(2)} under policy builtin-default/1`,
    '- `production.default` target.environment = production: production changes need a human approval, however confident the AI is',
    '**Approvals** 0 of 1 (pending), expires 2026-11-21T10:05:00.000Z',
    '- may not approve: aiops-dns-agent, bob@example.com',
  ];
  for (const line of expectedLines) {
    it(`contains ${JSON.stringify(line.slice(0, 60))}`, () => {
      assert.ok(lines.includes(line), `card:\n${card}`);
    });
  }

  it('puts the diff inside a diff code block', () => {
    const start = lines.indexOf('```diff');
    assert.ok(start >= 0);
    assert.deepEqual(lines.slice(start, start + 4), [
      '```diff',
      '- api.example.com. 300 A 192.0.2.20',
      '+ api.example.com. 300 A 192.0.2.21',
      '```',
    ]);
  });

  it('lists every reason with its rule id and threshold', () => {
    const base = view();
    const withTwo = view({
      decision: {
        ...base.decision!,
        tier: 3,
        reasons: [
          { rule: 'production.apex', path: 'change.name', value: 'example.com.', message: 'apex' },
          { rule: 'check.budget', path: 'plan', value: '200', threshold: '> 100', message: 'too many' },
        ],
      },
    });
    const text = renderDecisionCard(withTwo);
    assert.ok(text.includes(`**Risk** ${describeTier(3)} under policy builtin-default/1`));
    assert.ok(text.includes('- `production.apex` change.name = example.com.: apex'));
    assert.ok(text.includes('- `check.budget` plan = 200 (> 100): too many'));
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
});

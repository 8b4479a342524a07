import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requireDefaultPolicy } from '../../activities/policy/policy-files';
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
  /** The card's lines without the hard-break spaces that end some of them. */
  const linesOf = (card: string) => card.split('\n').map((l) => l.trimEnd());
  const expectedLines: { label: string; line: (v: ChangeView) => string }[] = [
    {
      label: 'headline: what it waits on, from whom, by when',
      line: () => '**Waiting for 1 more approval (1 sre) by 2026-11-21 10:05 UTC**',
    },
    {
      label: 'status line: state, tier and workflow',
      line: () => `state \`awaiting_approval\` · ${describeTier(2)} · \`change-rec-42\``,
    },
    {
      label: 'what changes',
      line: () =>
        '**What changes** dns.upsert_rrset api.example.com. A in example.com. (production, tenant acme)',
    },
    { label: 'diff, removed', line: () => '- api.example.com. 300 A 192.0.2.20' },
    { label: 'diff, added', line: () => '+ api.example.com. 300 A 192.0.2.21' },
    {
      label: 'rollback',
      line: () => '**If verification fails** restore 1 record(s), TTL 300, verified by DNS query',
    },
    {
      label: 'risk: tier 2 under the shipped policy version',
      line: (v) => `**Risk** ${describeTier(2)} under policy ${v.decision!.policyVersion}, because:`,
    },
    {
      label: 'the reason, as a sentence',
      line: () => '- Production changes need a human approval, however confident the AI is.',
    },
    { label: 'who decides: one sre', line: () => '**Who decides** 1 different person: 1 sre' },
    {
      label: 'by when, and what happens then',
      line: () => '**By** 2026-11-21 10:05 UTC; undecided by then, it expires and nothing is written',
    },
    {
      label: 'exclusions with why',
      line: () => '**May not approve** aiops-dns-agent (agent); bob@example.com (requester)',
    },
    { label: 'approvals so far', line: () => '**Approvals** 0 of 1 (pending)' },
    {
      label: 'the signed command',
      line: (v) =>
        `- signed, from a terminal: \`countersign approve rec-42 --plan-hash ${v.plan!.hash.slice(0, 16)} --key <your key file> --reason "<why>"\` (or \`reject\`)`,
    },
    {
      label: 'proposer',
      line: () =>
        '**Proposed by** aiops-dns-agent (ops-llm 2026-10, prompt dns-remediation@3) on behalf of bob@example.com, confidence 0.88, incident INC-7',
    },
    {
      label: 'record for auditors',
      line: (v) =>
        `plan ${v.plan!.hash.slice(0, 16)} · policy ${v.decision!.policyVersion} · evidence 4 entries, head 000000000000`,
    },
  ];
  for (const expected of expectedLines) {
    it(`contains the ${expected.label} line`, () => {
      const v = view();
      assert.equal(v.decision!.policyVersion, shipped.policy.version);
      const card = renderDecisionCard(v);
      assert.ok(linesOf(card).includes(expected.line(v)), `missing ${expected.line(v)} in card:\n${card}`);
    });
  }

  it('puts the most important facts first: what waits, what changes, the risk, who decides, how', () => {
    const lines = linesOf(renderDecisionCard(view()));
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    const order = [
      '**Waiting for',
      '**What changes**',
      '**Risk**',
      '**Who decides**',
      '**To decide**',
      '**Proposed by**',
    ].map(at);
    assert.ok(
      order.every((i) => i >= 0),
      `a section is missing: ${order.join(', ')}`,
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );
  });

  it('keeps lines apart for renderers that join them: hard breaks, blank lines around lists', () => {
    const lines = renderDecisionCard(view()).split('\n');
    const by = lines.findIndex((l) => l.startsWith('**By**'));
    assert.ok(lines[by]!.endsWith('  '), 'a fact followed by another ends in a hard break');
    let fenced = false;
    lines.forEach((line, i) => {
      if (line.startsWith('```')) fenced = !fenced;
      const next = lines[i + 1];
      if (fenced || next === undefined || line.startsWith('```') || next.startsWith('```')) return;
      if (line.startsWith('- ') !== next.startsWith('- '))
        assert.ok(
          line === '' || next === '',
          `no blank line between ${JSON.stringify(line)} and ${JSON.stringify(next)}`,
        );
    });
  });

  it('puts the diff inside a diff code block', () => {
    const lines = linesOf(renderDecisionCard(view()));
    const start = lines.indexOf('```diff');
    assert.ok(start >= 0);
    assert.deepEqual(lines.slice(start, start + 4), [
      '```diff',
      '- api.example.com. 300 A 192.0.2.20',
      '+ api.example.com. 300 A 192.0.2.21',
      '```',
    ]);
  });

  it('gives the Temporal UI signal input with the full plan hash, and says whether it counts', () => {
    const v = view();
    const tier2 = view({ decision: { ...v.decision!, channels: ['signed', 'ui'] } });
    const card = renderDecisionCard(tier2);
    const json = card.slice(card.indexOf('```json') + '```json'.length, card.lastIndexOf('```'));
    assert.deepEqual(JSON.parse(json), {
      principal: '<you@example.com>',
      reason: '<why>',
      planHash: v.plan!.hash,
    });
    assert.match(card, /name `approve` \(or `reject`\), with this input; it counts for this change/);
    const signedOnly = renderDecisionCard(view({ decision: { ...v.decision!, channels: ['signed'] } }));
    assert.match(
      signedOnly,
      /name `reject`, with this input; an approval sent here does not count for this change/,
    );
    for (const line of signedOnly.split('\n')) assert.ok(line.length <= 80 || !line.startsWith(' '), line);
  });

  it('tier 3 at the apex: the risk, the reason and the roles needed, with the cooling-off delay', () => {
    const v = viewOf({ ...apiA, name: 'example.com' }, null);
    assert.equal(v.decision!.tier, 3);
    const lines = linesOf(renderDecisionCard(v));
    for (const line of [
      '**Waiting for 2 more approvals (1 sre + 1 service-owner) by 2026-11-21 10:05 UTC**',
      `**Risk** ${describeTier(3)} under policy ${shipped.policy.version}, because:`,
      '- Production zone apex, dual control and a cooling-off delay.',
      '**Who decides** 2 different people: 1 sre + 1 service-owner, then 15m of cooling-off in which any approver may veto',
      '**Approvals** 0 of 2 (pending)',
    ])
      assert.ok(lines.includes(line), `missing ${line} in:\n${lines.join('\n')}`);
  });

  it('says every reason as a sentence with the value it measured; rule ids stay out of the card', () => {
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
    const card = renderDecisionCard(v);
    for (const line of [
      '- Several records at once in a zone labelled critical: recordsTouched 7 (> 4).',
      '- The plan touches a large share of the zone: 35.0% of 20 records (> 30%).',
      '**Who decides** 2 different people: 2 sre, then 15m of cooling-off in which any approver may veto',
    ])
      assert.ok(linesOf(card).includes(line), `missing ${line} in:\n${card}`);
    for (const reason of d.reasons) assert.ok(!card.includes(reason.rule), `${reason.rule} in the card`);
  });

  it('has no Who decides line for an automatic decision', () => {
    const v = viewOf(apiA, null, 50, 'staging');
    assert.equal(v.decision!.tier, 2, 'confidence 0.875 is below the automatic threshold');
    const auto = view({
      decision: { ...v.decision!, tier: 1, route: 'auto', approvals: { count: 0, roles: [] } },
    });
    assert.ok(!renderDecisionCard(auto).includes('**Who decides**'));
    assert.ok(
      linesOf(renderDecisionCard(v)).includes(
        '**Who decides** 1 different person, anyone in the approver directory',
      ),
    );
  });

  it('shows given approvals with their channel, a rejection, cooling-off and the outcome', () => {
    const base = view();
    const text = renderDecisionCard(
      view({
        state: 'rejected',
        approval: {
          ...base.approval!,
          required: 2,
          state: {
            status: 'rejected',
            approvals: [{ principal: 'alice@example.com', reason: 'looks right', at: 1, channel: 'signed' }],
            rejection: { principal: 'carol@example.com', reason: 'wrong pool', at: 2, channel: 'ui' },
          },
        },
        coolingOffUntil: '2026-11-20T11:00:00.000Z',
        outcome: { code: 'rejected', message: 'rejected by carol@example.com' },
      }),
    );
    const cardLines = linesOf(text);
    for (const line of [
      '**Rejected: rejected by carol@example.com**',
      '**Approvals** 1 of 2 (rejected):',
      '- approved by alice@example.com (signed): looks right',
      '- rejected by carol@example.com (Temporal UI): wrong pool',
      '**Cooling-off** until 2026-11-20 11:00 UTC; any approver may veto',
      '**Outcome** `rejected`: rejected by carol@example.com',
    ])
      assert.ok(cardLines.includes(line), `missing ${line} in:\n${text}`);
    assert.ok(!text.includes('**To decide**'), 'a closed change offers no way to decide');
  });

  it('in cooling-off: says until when and how to veto', () => {
    const base = view();
    const text = renderDecisionCard(
      view({
        state: 'cooling_off',
        coolingOffUntil: '2026-11-20T11:00:00.000Z',
        approval: { ...base.approval!, state: { status: 'approved', approvals: [] } },
      }),
    );
    const lines = linesOf(text);
    assert.equal(
      lines[0],
      '**Cooling off until 2026-11-20 11:00 UTC: it executes then unless an approver vetoes**',
    );
    assert.ok(lines.includes('**To veto**'), text);
    assert.ok(
      lines.some((l) => l.includes('`countersign reject rec-42 --plan-hash')),
      text,
    );
  });

  it('escapes the markup a headline could carry from a caller', () => {
    const base = view();
    const text = renderDecisionCard(
      view({ state: 'refused', outcome: { code: 'refused', message: 'bad *value* in _name_' } }),
    );
    assert.equal(linesOf(text)[0], '**Refused: bad \\*value\\* in \\_name\\_**');
    assert.ok(base.state === 'awaiting_approval');
  });

  it('describes the rollback of a create as deleting the RRset', () => {
    const base = view();
    const create: Plan = { ...base.plan!, operation: 'create', before: null };
    assert.ok(
      renderDecisionCard(view({ plan: create })).includes('**If verification fails** delete the RRset again'),
    );
  });

  it('omits the plan, risk and approval sections when they do not exist yet', () => {
    const text = renderDecisionCard(
      view({ state: 'validating', plan: null, decision: null, approval: null }),
    );
    for (const absent of [
      '```diff',
      '**If verification fails**',
      '**Risk**',
      '**Approvals**',
      '**Cooling-off**',
      '**Outcome**',
      '**To decide**',
    ])
      assert.ok(!text.includes(absent), `${absent} should be absent`);
    assert.ok(text.startsWith('**Being checked (validating)**'), text);
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
      assert.ok(linesOf(text).includes(expected), `missing ${expected} in:\n${text}`);
    assert.ok(!renderDecisionCard(view()).includes('**Frozen**'), 'no overrides, no lines');
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { exampleRecommendation } from '../../src/examples';
import { underBreakGlass } from '../../src/overrides/break-glass';
import type { ActiveException } from '../../src/overrides/exception';
import { parseEffect } from '../../src/overrides/exception';
import { overrideLimitsOf } from '../../src/overrides/override-limits';
import type { OverridesState } from '../../src/overrides/overrides-state';
import {
  activeExceptions,
  approveException,
  closeIncident,
  completeReview,
  freeze,
  freezeGate,
  grantException,
  initialOverrides,
  leaveFreeze,
  openIncident,
  overrideTimers,
  startBreakGlass,
  unfreeze,
  useBreakGlass,
} from '../../src/overrides/overrides-state';
import { evaluatePolicy } from '../../src/policy/evaluate';
import { factsOf } from '../../src/policy/facts';
import { parsePolicy } from '../../src/policy/parse';
import { computePlan } from '../../src/kinds/kinds';
import type { RRset } from '../../src/plan/plan';
import type { Change } from '../../src/schema/recommendation';

const shipped = parsePolicy(
  [{ name: 'default.yaml', text: readFileSync('policies/default.yaml', 'utf8') }],
  'policies/default.yaml',
);
if (!shipped.ok) throw new Error('the shipped policy does not parse');
const loaded = shipped.loaded;
const limits = overrideLimitsOf(loaded.policy);
const scope = 'zone:example.com.';
const t0 = Date.parse('2026-12-01T12:00:00Z');
const minute = 60_000;

const q = (changeId: string, o: Partial<Parameters<typeof freezeGate>[1]> = {}) => ({
  changeId,
  route: 'auto' as const,
  incident: null,
  approverRoles: [],
  ...o,
});

describe('freeze rules', () => {
  it('holds automatic and approved changes, lets an override role through, releases in arrival order', () => {
    const o = initialOverrides();
    assert.ok(
      freeze(o, { principal: 'alice', reason: 'r', until: null, incident: null }, limits, scope, t0).answer
        .ok,
    );
    assert.equal(freezeGate(o, q('a'), limits, scope, t0).hold?.code, 'freeze');
    assert.equal(
      freezeGate(o, q('b', { route: 'approved', approverRoles: [['sre']] }), limits, scope, t0).hold
        ?.position,
      2,
    );
    assert.equal(
      freezeGate(o, q('c', { route: 'approved', approverRoles: [['dns-admin']] }), limits, scope, t0).hold,
      null,
      'a freeze-override role approved it',
    );
    const lifted = unfreeze(o, { principal: 'carol', reason: 'ok' }, scope, t0 + minute);
    assert.ok(lifted.answer.ok);
    assert.deepEqual(
      lifted.effects.filter((e) => e.kind === 'nudge'),
      [{ kind: 'nudge', changeId: 'a' }],
    );
    assert.equal(
      freezeGate(o, q('b', { route: 'approved' }), limits, scope, t0 + minute).hold?.limit,
      'freeze (releasing in order)',
    );
    const first = freezeGate(o, q('a'), limits, scope, t0 + minute);
    assert.equal(first.hold, null);
    assert.deepEqual(
      first.effects.filter((e) => e.kind === 'nudge'),
      [{ kind: 'nudge', changeId: 'b' }],
    );
    assert.equal(freezeGate(o, q('b', { route: 'approved' }), limits, scope, t0 + minute).hold, null);
    assert.deepEqual([o.frozen, o.thawing], [[], []]);
  });

  it('refuses an --until past the maximum, ends by itself at --until, and a vanished head does not block', () => {
    const o = initialOverrides();
    assert.equal(
      freeze(
        o,
        { principal: 'a', reason: 'r', until: t0 + 48 * 60 * minute, incident: null },
        limits,
        scope,
        t0,
      ).answer.ok,
      false,
    );
    assert.equal(
      freeze(o, { principal: 'a', reason: 'r', until: null, incident: null }, limits, scope, t0).answer.ok,
      true,
      'without --until it lasts maxDuration',
    );
    assert.ok(
      freeze(o, { principal: 'a', reason: 'r', until: t0 + 10 * minute, incident: null }, limits, scope, t0)
        .answer.ok,
    );
    freezeGate(o, q('x'), limits, scope, t0);
    freezeGate(o, q('y'), limits, scope, t0);
    const timers = overrideTimers(o, scope, t0 + 10 * minute);
    assert.ok(timers.effects.some((e) => e.kind === 'event' && e.event.kind === 'freeze_ended'));
    assert.deepEqual(o.thawing, ['x', 'y']);
    assert.deepEqual(leaveFreeze(o, 'x', t0 + 11 * minute), [{ kind: 'nudge', changeId: 'y' }]);
  });

  it('an incident freezes until it closes, but not the changes that name it', () => {
    const o = initialOverrides();
    openIncident(o, { id: 'INC-1', title: 't', principal: 'webhook', via: 'webhook' }, limits, scope, t0);
    assert.equal(freezeGate(o, q('fix', { incident: 'INC-1' }), limits, scope, t0).hold, null);
    assert.equal(freezeGate(o, q('other'), limits, scope, t0).hold?.policyKey, 'overrides.incidents.freeze');
    assert.equal(
      unfreeze(o, { principal: 'a', reason: 'r' }, scope, t0).answer.ok,
      false,
      'a person cannot unfreeze an incident',
    );
    const closed = closeIncident(o, { id: 'INC-1', principal: 'a', reason: 'fixed' }, scope, t0 + minute);
    assert.ok(closed.answer.ok);
    assert.deepEqual(
      closed.effects.filter((e) => e.kind === 'nudge'),
      [{ kind: 'nudge', changeId: 'other' }],
    );
  });
});

describe('break-glass rules', () => {
  const start = (o: OverridesState, seconds = 1800) =>
    startBreakGlass(o, { principal: 'alice', reason: 'r', incident: 'INC-2', seconds }, limits, scope, t0);

  it('grants within the maximum, once per holder, and only to its holder while it lasts', () => {
    const o = initialOverrides();
    assert.equal(start(o, 7200).answer.ok, false);
    assert.equal(start(o).answer.grantId, 'bg-1');
    assert.equal(start(o).answer.ok, false, 'one active grant per holder');
    assert.equal(useBreakGlass(o, { changeId: 'c1', principal: 'bob' }, scope, t0).answer, null);
    assert.equal(useBreakGlass(o, { changeId: 'c1', principal: 'alice' }, scope, t0).answer?.id, 'bg-1');
    assert.equal(
      useBreakGlass(o, { changeId: 'c2', principal: 'alice' }, scope, t0 + 30 * minute).answer,
      null,
      'expired',
    );
  });

  it('its end opens a review a different person completes; unreviewed, it falls overdue and escalates', () => {
    const o = initialOverrides();
    start(o);
    useBreakGlass(o, { changeId: 'c1', principal: 'alice' }, scope, t0);
    const ended = overrideTimers(o, scope, t0 + 30 * minute);
    assert.ok(ended.effects.some((e) => e.kind === 'event' && e.event.kind === 'review_opened'));
    assert.deepEqual(o.reviews[0]?.changes, ['c1']);
    const reminder = overrideTimers(o, scope, t0 + 30 * minute + 4 * 60 * minute);
    assert.ok(reminder.effects.some((e) => e.kind === 'escalate'));
    overrideTimers(o, scope, t0 + 30 * minute + 20 * 60 * minute);
    const overdue = overrideTimers(o, scope, t0 + 30 * minute + 24 * 60 * minute);
    assert.ok(overdue.effects.some((e) => e.kind === 'event' && e.event.kind === 'review_overdue'));
    assert.equal(o.counters.reviewsOverdue, 1);
    const now = t0 + 26 * 60 * minute;
    assert.equal(
      completeReview(o, { grantId: 'bg-1', principal: 'ALICE', decision: 'approve', reason: 'x' }, scope, now)
        .answer.ok,
      false,
    );
    const rejected = completeReview(
      o,
      { grantId: 'bg-1', principal: 'bob', decision: 'reject', reason: 'too broad' },
      scope,
      now,
    );
    assert.ok(rejected.answer.ok && /overdue/.test(rejected.answer.message));
    assert.ok(rejected.effects.some((e) => e.kind === 'escalate'));
    assert.equal(
      completeReview(o, { grantId: 'bg-1', principal: 'carol', decision: 'approve', reason: 'x' }, scope, now)
        .answer.ok,
      false,
    );
  });

  it('lets one approver through without cooling-off, but never unblocks a blocked decision', () => {
    const grant = {
      id: 'bg-1',
      scope,
      holder: 'alice',
      reason: 'r',
      incident: null,
      expiresAt: new Date(t0).toISOString(),
    };
    const tier3 = evaluate(
      {
        kind: 'dns.upsert_rrset',
        name: 'example.com.',
        type: 'MX',
        ttl: 3600,
        records: ['10 mx2.example.com.'],
      },
      'production',
    );
    assert.equal(tier3.tier, 3);
    const under = underBreakGlass(tier3, grant);
    assert.deepEqual([under.approvals.count, under.coolingOffSeconds, under.tier], [1, 0, 3]);
    const blocked = { ...tier3, tier: 'blocked' as const, route: 'blocked' as const };
    assert.equal(underBreakGlass(blocked, grant), blocked);
  });
});

const www: RRset = { name: 'www.example.com.', type: 'A', ttl: 300, records: ['192.0.2.10'] };

function evaluate(
  change: Change,
  environment: 'production' | 'staging',
  exceptions: ActiveException[] = [],
  live: RRset | null = null,
) {
  const rec = exampleRecommendation({ id: 'r', zone: 'example.com.', environment, change });
  const plan = computePlan(rec, live);
  if (!plan.ok) throw new Error(plan.message);
  return evaluatePolicy(
    loaded,
    factsOf(loaded.policy, rec, plan.plan, { zoneRecords: 50, now: new Date(t0) }),
    exceptions,
  ).decision;
}

const exception = (
  o: Partial<ActiveException> & Pick<ActiveException, 'id' | 'effect'>,
): ActiveException => ({
  scope,
  owner: 'carol',
  justification: 'j',
  match: {},
  approvedBy: ['alice', 'erin'],
  expiresAt: new Date(t0 + 60 * minute).toISOString(),
  ...o,
});

describe('exceptions in policy evaluation', () => {
  const ttlOnly: Change = {
    kind: 'dns.upsert_rrset',
    name: 'www.example.com.',
    type: 'A',
    ttl: 600,
    records: ['192.0.2.10'],
  };
  const newAddress: Change = {
    kind: 'dns.upsert_rrset',
    name: 'www.example.com.',
    type: 'A',
    ttl: 300,
    records: ['192.0.2.11'],
  };
  const loosen = exception({ id: 'ttl', match: { ttlOnly: true }, effect: { direction: 'loosen', tier: 0 } });
  const table: {
    name: string;
    change: Change;
    env: 'production' | 'staging';
    with: ActiveException[];
    tier: number | string;
    named: string[];
  }[] = [
    {
      name: 'no exception: production needs approval',
      change: ttlOnly,
      env: 'production',
      with: [],
      tier: 2,
      named: [],
    },
    {
      name: 'loosened TTL-only change runs automatically',
      change: ttlOnly,
      env: 'production',
      with: [loosen],
      tier: 0,
      named: ['exception.ttl'],
    },
    {
      name: 'the loosening does not match a record change',
      change: newAddress,
      env: 'production',
      with: [loosen],
      tier: 2,
      named: [],
    },
    {
      name: 'another zone is not in its scope',
      change: ttlOnly,
      env: 'production',
      with: [{ ...loosen, scope: 'zone:other.com.' }],
      tier: 2,
      named: [],
    },
    {
      name: 'an expired exception does not apply',
      change: ttlOnly,
      env: 'production',
      with: [{ ...loosen, expiresAt: new Date(t0 - 1).toISOString() }],
      tier: 2,
      named: [],
    },
    {
      name: 'tightening wins over loosening and is named',
      change: ttlOnly,
      env: 'production',
      with: [
        loosen,
        exception({ id: 'strict', scope: 'tenant:acme', effect: { direction: 'tighten', tier: 3 } }),
      ],
      tier: 3,
      named: ['exception.strict'],
    },
    {
      name: 'a tightening raises an automatic staging change',
      change: newAddress,
      env: 'staging',
      with: [
        exception({
          id: 'staging-strict',
          scope: 'global',
          match: { environments: ['staging'] },
          effect: { direction: 'tighten', tier: 2 },
        }),
      ],
      tier: 2,
      named: ['exception.staging-strict'],
    },
  ];
  for (const row of table)
    it(row.name, () => {
      const d = evaluate(row.change, row.env, row.with, www);
      assert.equal(d.tier, row.tier, d.reasons.map((r) => r.rule).join(', '));
      assert.deepEqual(
        d.reasons.map((r) => r.rule).filter((r) => r.startsWith('exception.')),
        row.named,
      );
    });

  it('never-automatic guards outlive a loosening exception', () => {
    const soa: Change = {
      kind: 'dns.upsert_rrset',
      name: 'example.com.',
      type: 'NS',
      ttl: 3600,
      records: ['ns1.example.com.', 'ns3.example.com.'],
    };
    const d = evaluate(soa, 'production', [
      exception({ id: 'all', effect: { direction: 'loosen', tier: 0 } }),
    ]);
    assert.ok(d.tier !== 0, `tier ${d.tier}`);
  });
});

describe('exception records', () => {
  const spec = (id: string, direction: 'tighten' | 'loosen', expiresIn = 60 * minute) => ({
    id,
    owner: 'carol',
    justification: 'j',
    match: {},
    effect: { direction, tier: direction === 'loosen' ? 0 : 3 } as const,
    expiresAt: new Date(t0 + expiresIn).toISOString(),
  });

  it('tightening applies at once; loosening waits for a different second approver; both expire with notice', () => {
    const o = initialOverrides();
    assert.ok(
      grantException(o, { spec: spec('t', 'tighten'), principal: 'alice' }, limits, scope, t0).answer.ok,
    );
    assert.ok(
      grantException(o, { spec: spec('l', 'loosen'), principal: 'alice' }, limits, scope, t0).answer.ok,
    );
    assert.deepEqual(
      activeExceptions(o, t0).map((e) => e.id),
      ['t'],
    );
    assert.equal(approveException(o, { id: 'l', principal: 'Alice' }, scope, t0).answer.ok, false);
    assert.ok(approveException(o, { id: 'l', principal: 'erin' }, scope, t0).answer.ok);
    assert.deepEqual(
      activeExceptions(o, t0).map((e) => e.id),
      ['t', 'l'],
    );
    assert.equal(
      grantException(o, { spec: spec('t', 'tighten'), principal: 'bob' }, limits, scope, t0).answer.ok,
      false,
      'ids are unique',
    );
    assert.equal(
      grantException(
        o,
        { spec: spec('long', 'tighten', 40 * 24 * 60 * minute), principal: 'bob' },
        limits,
        scope,
        t0,
      ).answer.ok,
      false,
      'beyond maxDuration',
    );
    const expired = overrideTimers(o, scope, t0 + 60 * minute);
    assert.equal(
      expired.effects.filter((e) => e.kind === 'event' && e.event.kind === 'exception_expired').length,
      2,
    );
    assert.deepEqual(activeExceptions(o, t0 + 60 * minute), []);
  });

  it('the owner hears before expiry and is reminded to review on schedule', () => {
    const o = initialOverrides();
    grantException(
      o,
      { spec: spec('t', 'tighten', 20 * 24 * 60 * minute), principal: 'alice' },
      limits,
      scope,
      t0,
    );
    const week = overrideTimers(o, scope, t0 + 7 * 24 * 60 * minute);
    assert.ok(
      week.effects.some((e) => e.kind === 'escalate' && e.notify.includes('carol') && /review/.test(e.what)),
    );
    const notice = overrideTimers(o, scope, t0 + 19 * 24 * 60 * minute);
    assert.ok(notice.effects.some((e) => e.kind === 'event' && e.event.kind === 'exception_expiring'));
    assert.ok(
      overrideTimers(o, scope, t0 + 19 * 24 * 60 * minute + 1).effects.every(
        (e) => e.kind !== 'event' || e.event.kind !== 'exception_expiring',
      ),
      'said once',
    );
  });

  it('parses effects and refuses anything else, naming what is expected', () => {
    assert.deepEqual(parseEffect('loosen:0'), { direction: 'loosen', tier: 0 });
    assert.deepEqual(parseEffect('tighten:blocked'), { direction: 'tighten', tier: 'blocked' });
    assert.match((parseEffect('tier:3') as { error: string }).error, /tighten:<tier> or loosen:<tier>/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { GovernorState } from '../../src/governor/governor-state';
import {
  acquire,
  admit,
  admitWithPermit,
  awaitingApproval,
  escalate,
  holderChecked,
  humanAdmit,
  initialGovernorState,
  release,
  resetBreaker,
  returnPermit,
  tick,
  review,
} from '../../src/governor/governor-state';
import { fits, fitsAt, used } from '../../src/governor/ledger';
import type { Charge } from '../../src/governor/ledger';
import type { ScopeLimits } from '../../src/governor/limits';
import { limitsFor } from '../../src/governor/limits';
import { AdmitWithPermitRequestSchema, ReviewRequestSchema } from '../../src/governor/protocol';
import { proposalOnly } from '../../src/governor/reroute';
import { parsePolicy } from '../../src/policy/parse';
import type { Decision } from '../../src/policy/decision';

const zone = { kind: 'zone' as const, name: 'example.com.' };
const minute = 60_000;
const d0 = 'a'.repeat(64);
const d1 = 'b'.repeat(64);

function limits(overrides: Partial<ScopeLimits> = {}): ScopeLimits {
  return { policyVersion: 't', budgets: {}, breaker: null, flapping: null, leaseSeconds: 600, ...overrides };
}

const acquireReq = (changeId: string, o: Partial<Parameters<typeof acquire>[1]> = {}) => ({
  changeId,
  route: 'auto' as const,
  rrset: 'www.example.com. A',
  recordsTouched: 1,
  before: d0,
  after: d1,
  limits: limits(),
  ...o,
});

describe('governor: admission and the review queue', () => {
  const budget = limits({ budgets: { proposals: { limit: 2, windowSeconds: 60 } } });

  it('admits within the budget, queues beyond it in arrival order, and says when it frees', () => {
    const s = initialGovernorState(zone);
    const verdicts = ['a', 'b', 'c', 'd'].map((id, i) =>
      admit(s, { changeId: id, rrset: `${id} A`, limits: budget }, i),
    );
    assert.deepEqual(
      verdicts.map((v) => v.answer.verdict),
      ['admitted', 'admitted', 'queued', 'queued'],
    );
    const hold = verdicts[3]?.answer.verdict === 'queued' ? verdicts[3].answer.hold : undefined;
    assert.equal(hold?.position, 2);
    assert.equal(hold?.used, 2);
    assert.equal(hold?.max, 2);
    assert.equal(
      hold?.resetsAt,
      new Date(minute + 1).toISOString(),
      'the second queued waits for the second charge to age out',
    );
    assert.ok(hold?.whatToDo.some((w) => w.includes('countersign governor admit d')));
  });

  it('is idempotent: asking twice never charges twice or queues twice', () => {
    const s = initialGovernorState(zone);
    admit(s, { changeId: 'a', rrset: 'x A', limits: budget }, 0);
    admit(s, { changeId: 'a', rrset: 'x A', limits: budget }, 1);
    assert.equal(used(s.charges, 'proposals', 60, 2), 1);
    admit(s, { changeId: 'b', rrset: 'x A', limits: budget }, 2);
    admit(s, { changeId: 'c', rrset: 'x A', limits: budget }, 3);
    admit(s, { changeId: 'c', rrset: 'x A', limits: budget }, 4);
    assert.deepEqual(
      s.queue.map((q) => q.changeId),
      ['c'],
    );
  });

  it('drains the queue in arrival order as the window rolls, and nudges whoever it admits', () => {
    const s = initialGovernorState(zone);
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries())
      admit(s, { changeId: id, rrset: `${id} A`, limits: budget }, i);
    const early = tick(s, 30_000);
    assert.deepEqual(early.effects, []);
    assert.equal(early.answer.nextAt, minute);
    const rolled = tick(s, minute + 2);
    assert.deepEqual(
      rolled.effects.map((e) => (e.kind === 'nudge' ? e.changeId : e.kind)),
      ['c', 'd'],
    );
    assert.deepEqual(
      s.queue.map((q) => q.changeId),
      ['e'],
    );
    assert.deepEqual(
      s.recentAdmissions.map((a) => a.changeId),
      ['a', 'b', 'c', 'd'],
    );
  });

  it('a person admits a queued change over the budget; it still counts', () => {
    const s = initialGovernorState(zone);
    for (const [i, id] of ['a', 'b', 'c'].entries())
      admit(s, { changeId: id, rrset: `${id} A`, limits: budget }, i);
    const out = humanAdmit(s, { changeId: 'c', principal: 'alice', reason: 'incident' }, 10);
    assert.equal(out.answer.admitted, true);
    assert.deepEqual(
      out.effects.map((e) => e.kind),
      ['event', 'nudge'],
    );
    assert.equal(used(s.charges, 'proposals', 60, 11), 3);
    assert.equal(
      humanAdmit(s, { changeId: 'zzz', principal: 'alice', reason: 'x' }, 12).answer.admitted,
      false,
    );
  });
});

describe('governor: automatic budgets, re-routing and locks', () => {
  it('re-routes an automatic change once its budget is spent, with the count, and refunds nothing it did not take', () => {
    const s = initialGovernorState(zone);
    const l = limits({ budgets: { automaticExecutions: { limit: 1, windowSeconds: 3600 } } });
    assert.equal(acquire(s, acquireReq('a', { limits: l, rrset: 'a A' }), 0).answer.verdict, 'granted');
    const second = acquire(s, acquireReq('b', { limits: l, rrset: 'b A' }), 1).answer;
    assert.equal(second.verdict, 'reroute');
    assert.equal(
      second.verdict === 'reroute' ? `${second.hold.limit} ${second.hold.used}/${second.hold.max}` : '',
      'automaticExecutions 1/1',
    );
    assert.equal(s.locks['b A'], undefined, 'a re-routed change holds no lock');
    // The approved path has its own budget (unlimited here): it goes.
    assert.equal(
      acquire(s, acquireReq('b', { limits: l, rrset: 'b A', route: 'approved' }), 2).answer.verdict,
      'granted',
    );
  });

  it('records-touched budgets count records, not changes', () => {
    const s = initialGovernorState(zone);
    const l = limits({ budgets: { recordsTouched: { limit: 10, windowSeconds: 3600 } } });
    assert.equal(
      acquire(s, acquireReq('a', { limits: l, rrset: 'a A', recordsTouched: 8 }), 0).answer.verdict,
      'granted',
    );
    assert.equal(
      acquire(s, acquireReq('b', { limits: l, rrset: 'b A', recordsTouched: 3 }), 1).answer.verdict,
      'reroute',
    );
    assert.equal(
      acquire(s, acquireReq('c', { limits: l, rrset: 'c A', recordsTouched: 2 }), 2).answer.verdict,
      'granted',
    );
  });

  it('lets one change at a time write an RRset and hands it on in arrival order when the holder closes', () => {
    const s = initialGovernorState(zone);
    assert.equal(acquire(s, acquireReq('a'), 0).answer.verdict, 'granted');
    const b = acquire(s, acquireReq('b'), 1).answer;
    const c = acquire(s, acquireReq('c'), 2).answer;
    assert.equal(b.verdict, 'wait');
    assert.equal(c.verdict === 'wait' ? c.hold.position : 0, 2);
    const out = release(
      s,
      { changeId: 'a', outcome: 'executed', rrset: 'www.example.com. A', before: d0, after: d1, summary: '' },
      3,
    );
    assert.deepEqual(out.effects, [{ kind: 'nudge', changeId: 'b' }]);
    assert.equal(s.locks['www.example.com. A']?.holder, 'b');
    assert.equal(acquire(s, acquireReq('c'), 4).answer.verdict, 'wait', 'c still waits behind b');
    assert.equal(acquire(s, acquireReq('b'), 5).answer.verdict, 'granted');
    review(s, 'b', 6);
    assert.ok(s.changes.b?.awaitingApprovalSince === 6, 'listed as waiting for people');
    assert.equal(
      s.locks['www.example.com. A']?.holder,
      'c',
      'a holder going back to people passes the lock on',
    );
  });

  it('checks a lease holder when the lease ends, and passes the lock on only if it no longer runs', () => {
    const s = initialGovernorState(zone);
    acquire(s, acquireReq('a', { limits: limits({ leaseSeconds: 10 }) }), 0);
    acquire(s, acquireReq('b', { limits: limits({ leaseSeconds: 10 }) }), 1);
    const t = tick(s, 10_001);
    assert.deepEqual(t.effects, [{ kind: 'check_holder', changeId: 'a', rrset: 'www.example.com. A' }]);
    holderChecked(s, { changeId: 'a', rrset: 'www.example.com. A', running: true }, 10_002);
    assert.equal(s.locks['www.example.com. A']?.holder, 'a');
    const gone = holderChecked(s, { changeId: 'a', rrset: 'www.example.com. A', running: false }, 30_000);
    assert.equal(s.locks['www.example.com. A']?.holder, 'b');
    assert.ok(gone.effects.some((e) => e.kind === 'nudge' && e.changeId === 'b'));
    assert.equal(s.counters.leasesExpired, 1);
  });

  it('gives back execution charges of a change that goes to people or never executes', () => {
    const s = initialGovernorState(zone);
    const l = limits({
      budgets: {
        automaticExecutions: { limit: 1, windowSeconds: 3600 },
        approvedExecutions: { limit: 1, windowSeconds: 3600 },
      },
    });
    acquire(s, acquireReq('a', { limits: l, rrset: 'a A' }), 0);
    review(s, 'a', 1);
    assert.equal(
      used(s.charges, 'automaticExecutions', 3600, 2),
      0,
      'waiting for people, it is not automatic',
    );
    acquire(s, acquireReq('a', { limits: l, rrset: 'a A', route: 'approved' }), 3);
    release(
      s,
      { changeId: 'a', outcome: 'not_executed', rrset: 'a A', before: d0, after: d1, summary: '' },
      4,
    );
    assert.equal(used(s.charges, 'approvedExecutions', 3600, 5), 0, 'nothing was written');
  });

  it('holds escalations beyond their budget and says so', () => {
    const s = initialGovernorState(zone);
    const l = limits({ budgets: { escalations: { limit: 1, windowSeconds: 3600 } } });
    assert.equal(escalate(s, { changeId: 'a', key: '1', limits: l }, 0).answer.verdict, 'allowed');
    assert.equal(
      escalate(s, { changeId: 'a', key: '1', limits: l }, 1).answer.verdict,
      'allowed',
      'the same escalation retried',
    );
    assert.equal(escalate(s, { changeId: 'a', key: '2', limits: l }, 2).answer.verdict, 'suppressed');
    assert.equal(s.counters.escalationsSuppressed, 1);
  });
});

describe('governor: admission with the permit in one ask', () => {
  const permitOf = (o: Partial<Parameters<typeof acquire>[1]> = {}) => {
    const { changeId: _id, limits: _l, ...permit } = acquireReq('x', o);
    return permit;
  };
  const ask = (changeId: string, l: ScopeLimits, o: Partial<Parameters<typeof acquire>[1]> = {}) => ({
    changeId,
    rrset: 'www.example.com. A',
    limits: l,
    permit: permitOf(o),
  });

  it('admits and grants at once, exactly as an admission followed by an acquire would', () => {
    const l = limits({
      budgets: {
        proposals: { limit: 5, windowSeconds: 60 },
        automaticExecutions: { limit: 5, windowSeconds: 60 },
      },
    });
    const together = initialGovernorState(zone);
    const answer = admitWithPermit(together, ask('a', l), 0).answer;
    assert.equal(answer.verdict, 'admitted');
    assert.equal(answer.verdict === 'admitted' ? answer.permit.verdict : '', 'granted');
    const apart = initialGovernorState(zone);
    admit(apart, { changeId: 'a', rrset: 'www.example.com. A', limits: l }, 0);
    acquire(apart, acquireReq('a', { limits: l }), 0);
    assert.deepEqual(together, apart);
    // Asked again (a retried activity): charged once, still granted.
    const again = admitWithPermit(together, ask('a', l), 1).answer;
    assert.equal(again.verdict === 'admitted' ? again.permit.verdict : '', 'granted');
    assert.equal(used(together.charges, 'proposals', 60, 2), 1);
    assert.equal(used(together.charges, 'automaticExecutions', 60, 2), 1);
  });

  it('grants nothing to a change it queues: no charge, no lock, no line for the lock', () => {
    const l = limits({ budgets: { proposals: { limit: 1, windowSeconds: 60 } } });
    const s = initialGovernorState(zone);
    assert.equal(admitWithPermit(s, ask('a', l), 0).answer.verdict, 'admitted');
    const b = admitWithPermit(s, ask('b', l), 1).answer;
    assert.equal(b.verdict, 'queued');
    assert.equal(b.verdict === 'queued' ? b.hold.position : 0, 1);
    assert.equal(s.locks['www.example.com. A']?.holder, 'a');
    assert.deepEqual(s.locks['www.example.com. A']?.waiters, [], 'b waits for admission, not for the lock');
    assert.equal(used(s.charges, 'automaticExecutions', 3600, 2), 1, 'only a was charged');
  });

  it('answers a wait or a re-route of the permit with the admission it made', () => {
    const l = limits({ budgets: { automaticExecutions: { limit: 1, windowSeconds: 3600 } } });
    const s = initialGovernorState(zone);
    admitWithPermit(s, ask('a', l), 0);
    const waits = admitWithPermit(s, ask('b', l, { route: 'approved' }), 1).answer;
    assert.equal(waits.verdict === 'admitted' ? waits.permit.verdict : '', 'wait', 'b waits for the lock');
    const reroutes = admitWithPermit(s, ask('c', l, { rrset: 'c A' }), 2).answer;
    assert.equal(reroutes.verdict === 'admitted' ? reroutes.permit.verdict : '', 'reroute');
    assert.notEqual(s.changes.c?.admittedAt, null, 're-routed, it is still admitted');
  });

  it('a returned permit frees the lock for the next in line and the budget, and keeps the admission', () => {
    const l = limits({ budgets: { automaticExecutions: { limit: 1, windowSeconds: 3600 } } });
    const s = initialGovernorState(zone);
    admitWithPermit(s, ask('a', l), 0);
    admitWithPermit(s, ask('b', l, { route: 'approved' }), 1);
    const back = returnPermit(s, 'a', 2);
    assert.deepEqual(back.effects, [{ kind: 'nudge', changeId: 'b' }]);
    assert.equal(s.locks['www.example.com. A']?.holder, 'b');
    assert.equal(used(s.charges, 'automaticExecutions', 3600, 3), 0);
    assert.equal(s.changes.a?.admittedAt, 0, 'still admitted: it does not queue twice');
    assert.equal(
      admit(s, { changeId: 'a', rrset: 'www.example.com. A', limits: l }, 4).answer.verdict,
      'admitted',
    );
  });

  it('asked again while queued it charges nothing, and a permit returned twice (a retried ask) changes nothing more', () => {
    const l = limits({
      budgets: {
        proposals: { limit: 1, windowSeconds: 60 },
        automaticExecutions: { limit: 5, windowSeconds: 3600 },
      },
    });
    const s = initialGovernorState(zone);
    admitWithPermit(s, ask('a', l), 0);
    assert.equal(admitWithPermit(s, ask('b', l), 1).answer.verdict, 'queued');
    assert.equal(admitWithPermit(s, ask('b', l), 2).answer.verdict, 'queued');
    assert.deepEqual(
      s.queue.map((q) => q.changeId),
      ['b'],
    );
    assert.equal(used(s.charges, 'automaticExecutions', 3600, 3), 1);
    returnPermit(s, 'a', 4);
    const before = JSON.stringify(s);
    assert.deepEqual(returnPermit(s, 'a', 5).effects, []);
    assert.equal(JSON.stringify(s), before);
  });

  it('the update admits a permit only in the shape acquire takes, and names the field it refuses', () => {
    const valid = ask('a', limits());
    assert.ok(AdmitWithPermitRequestSchema.safeParse(valid).success);
    for (const [field, bad] of [
      ['permit.route', { ...valid, permit: { ...valid.permit, route: 'sideways' } }],
      ['permit.before', { ...valid, permit: { ...valid.permit, before: 'nope' } }],
      ['permit.changeId', { ...valid, permit: { ...valid.permit, changeId: 'smuggled' } }],
      ['permit', { ...valid, permit: undefined }],
    ] as const) {
      const parsed = AdmitWithPermitRequestSchema.safeParse(bad);
      assert.equal(parsed.success, false, field);
      const paths =
        parsed.error?.issues.map((i) => [...i.path, ...('keys' in i ? i.keys : [])].join('.')) ?? [];
      assert.ok(
        paths.some((p) => p === field),
        `${field}: ${paths.join(', ')}`,
      );
    }
  });
});

describe('governor: the approval queue by role', () => {
  const byRole = (s: GovernorState) => Object.fromEntries(awaitingApproval(s).byRole);

  it('records the roles each waiting change needs and counts a change under every role it needs', () => {
    const s = initialGovernorState(zone);
    review(s, 'a', 1, ['sre']);
    review(s, 'b', 2, ['security', 'sre', 'sre']);
    review(s, 'c', 3, []);
    assert.deepEqual(s.changes.b?.roles, ['security', 'sre'], 'sorted, once each');
    assert.equal(s.changes.c?.roles, undefined, 'any approver: no roles recorded');
    assert.equal(awaitingApproval(s).total, 3);
    assert.deepEqual(byRole(s), { sre: 2, security: 1 });
  });

  it('a change that leaves the queue (approved and acquiring, or closed) no longer counts for its roles', () => {
    const s = initialGovernorState(zone);
    review(s, 'a', 1, ['sre', 'security']);
    review(s, 'b', 2, ['sre']);
    acquire(s, acquireReq('a', { route: 'approved' }), 3);
    assert.equal(s.changes.a?.roles, undefined);
    assert.deepEqual(byRole(s), { sre: 1 });
    release(
      s,
      { changeId: 'b', outcome: 'not_executed', rrset: null, before: d0, after: d0, summary: '' },
      4,
    );
    assert.deepEqual(awaitingApproval(s), { total: 0, byRole: new Map() });
  });

  it('a review without roles (a change started before they were sent) waits for anyone, and replaces roles asked before', () => {
    const s = initialGovernorState(zone);
    review(s, 'a', 1);
    assert.deepEqual(awaitingApproval(s), { total: 1, byRole: new Map() });
    review(s, 'b', 2, ['dns-admin']);
    review(s, 'b', 3);
    assert.equal(s.changes.b?.roles, undefined);
    review(s, 'a', 4, ['sre']);
    assert.deepEqual(byRole(s), { sre: 1 });
  });

  it('state carried over continue-as-new from a run before roles were recorded still counts and takes roles', () => {
    const s = initialGovernorState(zone);
    review(s, 'old', 1);
    // What the previous run handed over, as the payload converter delivers it: no `roles` anywhere.
    const carried = JSON.parse(JSON.stringify(s)) as GovernorState;
    assert.equal('roles' in (carried.changes.old ?? {}), false);
    assert.deepEqual(awaitingApproval(carried), { total: 1, byRole: new Map() });
    review(carried, 'new', 2, ['sre']);
    assert.deepEqual(byRole(carried), { sre: 1 });
    assert.equal(awaitingApproval(carried).total, 2);
  });

  it('the review update admits roles or none, and refuses anything else', () => {
    assert.equal(ReviewRequestSchema.safeParse({ changeId: 'c1' }).success, true, 'absent: older changes');
    assert.equal(ReviewRequestSchema.safeParse({ changeId: 'c1', roles: [] }).success, true);
    assert.equal(ReviewRequestSchema.safeParse({ changeId: 'c1', roles: ['sre', 'security'] }).success, true);
    for (const bad of [
      { changeId: 'c1', roles: [''] },
      { changeId: 'c1', roles: ['x'.repeat(81)] },
      { changeId: 'c1', roles: Array.from({ length: 33 }, (_, i) => `r${i}`) },
      { changeId: 'c1', roles: 'sre' },
      { changeId: 'c1', roles: [1] },
      { changeId: 'c1', extra: true },
    ])
      assert.equal(ReviewRequestSchema.safeParse(bad).success, false, JSON.stringify(bad).slice(0, 80));
  });
});

describe('governor: circuit breaker and flapping', () => {
  const breaker = limits({
    breaker: { failures: 2, windowSeconds: 3600, halfOpenAfterSeconds: 600, resetRoles: [], notify: ['sre'] },
  });
  const fail = (s: GovernorState, id: string, at: number) =>
    release(
      s,
      { changeId: id, outcome: 'failed', rrset: `${id} A`, before: d0, after: d1, summary: 'rolled back' },
      at,
    );

  it('opens after N failures in the window, escalates, re-routes automation, and a reset closes it', () => {
    const s = initialGovernorState(zone);
    s.limits = breaker;
    assert.deepEqual(fail(s, 'a', 0).effects, []);
    const opened = fail(s, 'b', 1);
    assert.equal(s.breaker.state, 'open');
    assert.deepEqual(
      opened.effects.map((e) => e.kind),
      ['event', 'escalate'],
    );
    const auto = acquire(s, acquireReq('c', { limits: breaker }), 2).answer;
    assert.equal(auto.verdict === 'reroute' ? auto.hold.code : '', 'breaker');
    assert.equal(
      acquire(s, acquireReq('d', { limits: breaker, route: 'approved', rrset: 'd A' }), 3).answer.verdict,
      'granted',
    );
    assert.equal(resetBreaker(s, { principal: 'alice', reason: 'fixed' }, 4).answer.reset, true);
    assert.equal(acquire(s, acquireReq('c', { limits: breaker }), 5).answer.verdict, 'granted');
  });

  it('failures outside the window do not count', () => {
    const s = initialGovernorState(zone);
    s.limits = breaker;
    fail(s, 'a', 0);
    fail(s, 'b', 3600_001);
    assert.equal(s.breaker.state, 'closed');
  });

  it('half-opens after the cooldown: one trial; its success closes, its failure re-opens', () => {
    for (const outcome of ['executed', 'failed'] as const) {
      const s = initialGovernorState(zone);
      s.limits = breaker;
      fail(s, 'a', 0);
      fail(s, 'b', 1);
      tick(s, 600_002);
      assert.equal(s.breaker.state, 'half_open');
      assert.equal(
        acquire(s, acquireReq('t', { limits: breaker, rrset: 't A' }), 600_003).answer.verdict,
        'granted',
      );
      assert.equal(
        acquire(s, acquireReq('u', { limits: breaker, rrset: 'u A' }), 600_004).answer.verdict,
        'reroute',
        'one trial at a time',
      );
      release(s, { changeId: 't', outcome, rrset: 't A', before: d0, after: d1, summary: '' }, 600_005);
      assert.equal(s.breaker.state, outcome === 'executed' ? 'closed' : 'open');
    }
  });

  it('a trial that never reports back stops holding the breaker half-open after a lease', () => {
    const s = initialGovernorState(zone);
    s.limits = breaker;
    fail(s, 'a', 0);
    fail(s, 'b', 1);
    tick(s, 600_002);
    acquire(s, acquireReq('t', { limits: breaker, rrset: 't A' }), 600_003);
    assert.equal(
      acquire(s, acquireReq('u', { limits: breaker, rrset: 'u A' }), 600_004).answer.verdict,
      'reroute',
    );
    tick(s, 600_003 + 600_000);
    assert.equal(
      acquire(s, acquireReq('u', { limits: breaker, rrset: 'u A' }), 1_200_004).answer.verdict,
      'granted',
    );
  });

  it('a failure reported twice for one change (a retried release) counts once', () => {
    const s = initialGovernorState(zone);
    s.limits = breaker;
    fail(s, 'a', 0);
    fail(s, 'a', 5);
    assert.equal(s.breaker.state, 'closed');
    assert.equal(s.breaker.failures.length, 1);
  });

  it('flags the same RRset proposed again and again, and a change that undoes a recent one', () => {
    const flapping = limits({
      flapping: { repeats: 3, windowSeconds: 3600, reversalWindowSeconds: 3600, tier: 2 },
    });
    const s = initialGovernorState(zone);
    const flags = ['a', 'b', 'c'].map((id, i) => {
      const out = admit(s, { changeId: id, rrset: 'www A', limits: flapping }, i).answer;
      return out.verdict === 'admitted' ? out.flags.length : -1;
    });
    assert.deepEqual(flags, [0, 0, 1]);
    release(
      s,
      { changeId: 'a', outcome: 'executed', rrset: 'www A', before: d0, after: d1, summary: '' },
      10,
    );
    const undo = acquire(
      s,
      acquireReq('b', { limits: flapping, rrset: 'www A', before: d1, after: d0 }),
      11,
    ).answer;
    assert.equal(undo.verdict, 'reroute');
    assert.equal(undo.verdict === 'reroute' ? undo.flags.map((f) => f.kind).join() : '', 'reverses');
  });
});

describe('governor: proposal-only decisions', () => {
  const auto: Decision = {
    policyVersion: 'v',
    policyHash: 'h',
    tier: 1,
    route: 'auto',
    approvals: { count: 0, roles: [] },
    coolingOffSeconds: 0,
    approvalExpirySeconds: 60,
    onExpiry: 'reject',
    executionWindowSeconds: 60,
    escalation: [],
    notify: true,
    reasons: [],
  };
  const hold = {
    code: 'budget' as const,
    scope: 'zone example.com.',
    limit: 'automaticExecutions',
    used: 5,
    max: 5,
    window: '1h',
    message: 'spent',
    whatToDo: [],
  };
  const table: [
    string,
    Decision,
    Parameters<typeof proposalOnly>[1],
    Parameters<typeof proposalOnly>[2],
    string,
  ][] = [
    ['an automatic change re-routed by a budget waits for one approval', auto, hold, [], '2 approval 1'],
    [
      'a flag to tier 3 asks for two',
      auto,
      null,
      [{ kind: 'reverses', message: 'm', tier: 3 }],
      '3 approval 2',
    ],
    ['nothing to say: unchanged', auto, null, [], '1 auto 0'],
    ['blocked stays blocked', { ...auto, tier: 'blocked', route: 'blocked' }, hold, [], 'blocked blocked 0'],
  ];
  for (const [name, decision, h, flags, expected] of table)
    it(name, () => {
      const d = proposalOnly(decision, h, flags);
      assert.equal(`${d.tier} ${d.route} ${d.approvals.count}`, expected);
      if (h !== null && d.route === 'approval')
        assert.ok(d.reasons.some((r) => r.rule === 'governor.budget' && r.value === '5 of 5 per 1h'));
    });
});

describe('governor: limits from the policy', () => {
  it('per-zone budgets replace the zone defaults key by key; flapping is a zone matter', () => {
    const parsed = parsePolicy(
      [
        {
          name: 'test.yaml',
          text: `version: t
roles: [sre]
defaults: { tier: 2, approvalExpiry: 1h, onExpiry: reject, coolingOff: 0s, executionWindow: 1h, escalation: [] }
budget: { maxRecordsTouched: 10 }
twoKey: { autoMinConfidence: 0.9, autoMaxRecordsTouched: 5, lowScopeEnvironments: [staging] }
never: { automatic: { kinds: [], classes: [] }, allowed: [] }
blastRadius: { minZoneRecords: 10, maxUpdateShare: 0.3, maxDeleteShare: 0.3, tier: 3 }
governor:
  zone: { budgets: { proposals: { limit: 5, window: 1h }, automaticExecutions: { limit: 1, window: 1h } } }
  zones: { "example.com.": { budgets: { automaticExecutions: { limit: 0, window: 30m } } } }
  flapping: { repeats: 3, window: 1h, reversalWindow: 6h, tier: 3 }
rules: []
`,
        },
      ],
      'test',
    );
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const policy = parsed.ok ? parsed.loaded.policy : undefined;
    assert.ok(policy);
    const special = limitsFor(policy, zone);
    assert.deepEqual(special.budgets, {
      proposals: { limit: 5, windowSeconds: 3600 },
      automaticExecutions: { limit: 0, windowSeconds: 1800 },
    });
    assert.equal(special.flapping?.tier, 3);
    assert.equal(
      limitsFor(policy, { kind: 'zone', name: 'other.org.' }).budgets.automaticExecutions?.limit,
      1,
    );
    assert.equal(limitsFor(policy, { kind: 'tenant', name: 'acme' }).flapping, null);
  });
});

describe('governor: properties of budgets and windows', () => {
  const kinds = ['proposals', 'automaticExecutions'] as const;
  const op = fc.record({
    kind: fc.constantFrom(...kinds),
    amount: fc.integer({ min: 1, max: 4 }),
    dt: fc.integer({ min: 0, max: 30_000 }),
  });

  it('admissions never exceed a budget in any window, counts never go negative, and the queue loses no one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 10, max: 120 }),
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 20_000 }), human: fc.boolean() }), {
          maxLength: 60,
        }),
        (limit, windowSeconds, steps) => {
          const l = limits({ budgets: { proposals: { limit, windowSeconds } } });
          const s = initialGovernorState(zone);
          let now = 0;
          const submitted: string[] = [];
          for (const [i, step] of steps.entries()) {
            now += step.dt;
            tick(s, now);
            const id = `c${i}`;
            submitted.push(id);
            admit(s, { changeId: id, rrset: `${id} A`, limits: l }, now);
            if (step.human && s.queue.length > 0)
              humanAdmit(s, { changeId: s.queue[0]?.changeId ?? '', principal: 'p', reason: 'r' }, now);
            const byBudget = s.recentAdmissions.filter(
              (a) => a.by === 'budget' && a.at > now - windowSeconds * 1000,
            );
            assert.ok(byBudget.length <= limit, 'budget admissions in the window stay within the limit');
            assert.ok(used(s.charges, 'proposals', windowSeconds, now) >= 0);
          }
          const admitted = new Set(s.recentAdmissions.map((a) => a.changeId));
          const queued = s.queue.map((q) => q.changeId);
          assert.equal(admitted.size + queued.length, submitted.length, 'every change is admitted or queued');
          for (const id of queued) assert.ok(!admitted.has(id), 'never both');
          assert.deepEqual(
            queued,
            [...queued].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))),
            'queue keeps arrival order',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fitsAt names a moment at which the amount really fits, and nothing earlier in the window does', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 30 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        (ops, limit, want) => {
          const budget = { limit, windowSeconds: 60 };
          const charges: Charge[] = [];
          let now = 0;
          for (const [i, o] of ops.entries()) {
            now += o.dt;
            if (fits(charges, o.kind, budget, o.amount, now))
              charges.push({ kind: o.kind, key: `${i}`, changeId: `${i}`, at: now, amount: o.amount });
            assert.ok(used(charges, o.kind, 60, now) <= limit, 'windows roll: never over the limit');
          }
          const at = fitsAt(charges, 'proposals', budget, want, now);
          if (want > limit) assert.equal(at, null);
          else {
            assert.ok(at !== null && at >= now);
            assert.ok(fits(charges, 'proposals', budget, want, at));
            if (at > now) assert.ok(!fits(charges, 'proposals', budget, want, at - 1));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

import { formatDuration } from '../policy/duration';
import type { Hold } from './hold';
import type { Charge } from './ledger';
import { charge, fits, fitsAt, hasCharge, prune, refund, used } from './ledger';
import type { BudgetKind, ScopeLimits } from './limits';
import type { Effect, GovernorEvent, Outcome } from './effects';
import { event } from './effects';
import type { ActiveOverrides } from '../overrides/active-overrides';
import type { OverridesState } from '../overrides/overrides-state';
import { freezeGate, initialOverrides, leaveFreeze, overrideTimers } from '../overrides/overrides-state';
import type { Scope } from './scope';
import { describeScope, formatScope } from './scope';

export type { Effect, GovernorEvent, Outcome };

/**
 * A governor's state and every operation on it, as pure functions of (state, request, now): the
 * governor workflow only orchestrates (timers, signals, activities, continue-as-new). Operations
 * mutate the state they are given and return the answer plus the effects the workflow must carry
 * out; they never read a clock.
 */

export interface QueueEntry {
  readonly changeId: string;
  readonly at: number;
}

export interface Lock {
  holder: string;
  since: number;
  expiresAt: number;
  /** Changes waiting for this RRset, in arrival order. */
  waiters: string[];
}

export interface ChangeRecord {
  admittedAt: number | null;
  /** Waiting for people since (an approval request is open), or null. */
  awaitingApprovalSince: number | null;
  /**
   * While it waits: the roles whose approval its request needs (sorted, unique). Absent: any
   * approver will do, or not known (a change started before reviews named roles, or state carried
   * over from a run before this field existed).
   */
  roles?: string[];
  /** Flags raised at admission (repeated proposals), re-applied on every acquire. */
  flags: Flag[];
}

export interface Execution {
  readonly changeId: string;
  readonly before: string;
  readonly after: string;
  readonly at: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface Breaker {
  state: BreakerState;
  since: number;
  /** Failures in the window, one per change: a release retried after continue-as-new counts once. */
  failures: { changeId: string; at: number }[];
  /** In half-open: the one automatic change let through as a trial, and since when. */
  trial: string | null;
  trialSince: number;
  why: string | null;
}

export interface Counters {
  admitted: number;
  queued: number;
  humanAdmitted: number;
  rerouted: number;
  flagged: number;
  escalationsSuppressed: number;
  breakerOpened: number;
  leasesExpired: number;
}

export interface GovernorState {
  readonly scope: Scope;
  limits: ScopeLimits | null;
  charges: Charge[];
  queue: QueueEntry[];
  changes: Record<string, ChangeRecord>;
  locks: Record<string, Lock>;
  breaker: Breaker;
  proposals: Record<string, number[]>;
  executions: Record<string, Execution[]>;
  counters: Counters;
  /** Spent nonces of signed governor decisions, until their signatures expire. */
  nonces: { nonce: string; until: number }[];
  /** Admission order, for `governor status` and the storm test: the last few admitted ids. */
  recentAdmissions: { changeId: string; at: number; by: string }[];
  /** Freezes, incidents, break-glass and exceptions; absent in state carried over from older runs. */
  overrides?: OverridesState;
}

/** The overrides of a state, created on first use (a governor carried over from before them has none). */
export function overridesOf(state: GovernorState): OverridesState {
  state.overrides ??= initialOverrides();
  return state.overrides;
}

export interface Flag {
  readonly kind: 'repeated' | 'reverses';
  readonly message: string;
  readonly tier: 2 | 3;
}

export type AdmitAnswer =
  | { readonly verdict: 'admitted'; readonly flags: readonly Flag[] }
  | { readonly verdict: 'queued'; readonly hold: Hold };

/**
 * An admission's answer as the governor sends it: with the overrides in force in its scope, which
 * the change's policy check needs next (absent from workers that predate it).
 */
export type WithOverrides<A> = A & { readonly overrides?: ActiveOverrides };

export type AcquireAnswer =
  | { readonly verdict: 'granted'; readonly leaseExpiresAt: number | null; readonly flags: readonly Flag[] }
  | { readonly verdict: 'wait'; readonly hold: Hold }
  | { readonly verdict: 'reroute'; readonly hold: Hold; readonly flags: readonly Flag[] };

export type EscalateAnswer =
  { readonly verdict: 'allowed' } | { readonly verdict: 'suppressed'; readonly hold: Hold };

export interface AdmitRequest {
  readonly changeId: string;
  readonly rrset: string;
  readonly limits: ScopeLimits;
}

export interface AcquireRequest {
  readonly changeId: string;
  readonly route: 'auto' | 'approved';
  /** The RRset to lock; only the zone's governor locks. */
  readonly rrset: string | null;
  readonly recordsTouched: number;
  /** Digests of the plan's before and after RRsets, to recognise a change that undoes another. */
  readonly before: string;
  readonly after: string;
  readonly limits: ScopeLimits;
  /** The incident the change names: an incident's own freeze does not hold its remediation. */
  readonly incident?: string | null;
  /** Each counted approver's roles: a freeze-override role lets an approved change through a freeze. */
  readonly approverRoles?: readonly (readonly string[])[];
}

export interface ReleaseRequest {
  readonly changeId: string;
  /** `failed`: written or attempted and then failed verification, rolled back, or failed executing. */
  readonly outcome: 'executed' | 'failed' | 'not_executed';
  readonly rrset: string | null;
  readonly before: string;
  readonly after: string;
  readonly summary: string;
}

export function initialGovernorState(scope: Scope): GovernorState {
  return {
    scope,
    limits: null,
    charges: [],
    queue: [],
    changes: {},
    locks: {},
    breaker: { state: 'closed', since: 0, failures: [], trial: null, trialSince: 0, why: null },
    proposals: {},
    executions: {},
    counters: {
      admitted: 0,
      queued: 0,
      humanAdmitted: 0,
      rerouted: 0,
      flagged: 0,
      escalationsSuppressed: 0,
      breakerOpened: 0,
      leasesExpired: 0,
    },
    nonces: [],
    recentAdmissions: [],
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const recentAdmissionsKept = 500;

function policyKey(scope: Scope, kind: BudgetKind): string {
  const section =
    scope.kind === 'global'
      ? 'governor.global'
      : `governor.${scope.kind} (or governor.${scope.kind}s["${scope.name}"])`;
  return `${section}.budgets.${kind}`;
}

function budgetHold(
  state: GovernorState,
  kind: BudgetKind,
  amount: number,
  now: number,
  code: 'budget' | 'queue',
  whatToDo: string[],
): Hold {
  const budget = state.limits?.budgets[kind];
  const at = fitsAt(state.charges, kind, budget, amount, now);
  const window = budget === undefined ? undefined : formatDuration(budget.windowSeconds);
  return {
    code,
    scope: describeScope(state.scope),
    limit: kind,
    policyKey: policyKey(state.scope, kind),
    ...(budget === undefined
      ? {}
      : { used: used(state.charges, kind, budget.windowSeconds, now), max: budget.limit }),
    ...(window === undefined ? {} : { window }),
    resetsAt: at === null ? null : iso(at),
    message:
      budget === undefined
        ? `${kind} budget exhausted in ${describeScope(state.scope)}`
        : `${kind} budget of ${describeScope(state.scope)} exhausted: ${used(state.charges, kind, budget.windowSeconds, now)} of ${budget.limit} per ${window}${amount > 1 ? `, this change needs ${amount}` : ''}`,
    whatToDo,
  };
}

function record(state: GovernorState, changeId: string): ChangeRecord {
  let entry = state.changes[changeId];
  if (entry === undefined) {
    entry = { admittedAt: null, awaitingApprovalSince: null, flags: [] };
    state.changes[changeId] = entry;
  }
  return entry;
}

function admitNow(state: GovernorState, changeId: string, now: number, by: string): void {
  charge(state.charges, { kind: 'proposals', key: `${changeId}:proposals`, changeId, at: now, amount: 1 });
  record(state, changeId).admittedAt = now;
  state.counters.admitted += 1;
  state.recentAdmissions.push({ changeId, at: now, by });
  if (state.recentAdmissions.length > recentAdmissionsKept)
    state.recentAdmissions.splice(0, state.recentAdmissions.length - recentAdmissionsKept);
}

function queueHold(state: GovernorState, changeId: string, now: number): Hold {
  const position = state.queue.findIndex((q) => q.changeId === changeId) + 1;
  const hold = budgetHold(state, 'proposals', 1, now, 'queue', [
    `admit it now: countersign governor admit ${changeId} --key <your key file> --reason "..."`,
    `raise ${policyKey(state.scope, 'proposals')} in the policy`,
    'or wait: it is admitted by itself, in arrival order, when the window allows',
  ]);
  const at = queueTurnAt(state, position, now);
  return {
    ...hold,
    position,
    resetsAt: at === null ? null : iso(at),
    message: `in the review queue of ${describeScope(state.scope)} at position ${position}: ${hold.message}`,
  };
}

/**
 * When the change at `position` should be admitted if nothing else changes: the window frees a
 * full budget every window length, so later positions wait whole windows more. An estimate, and
 * said to be one; null when the budget admits nothing at all.
 */
function queueTurnAt(state: GovernorState, position: number, now: number): number | null {
  const budget = state.limits?.budgets.proposals;
  if (budget === undefined || budget.limit === 0) return null;
  const within = ((position - 1) % budget.limit) + 1;
  const windows = Math.floor((position - 1) / budget.limit);
  const first = fitsAt(state.charges, 'proposals', budget, within, now);
  return first === null ? null : first + windows * budget.windowSeconds * 1000;
}

/** Flags from the RRset's recent proposals: the same target suggested again and again. */
function repeatFlags(state: GovernorState, rrset: string, now: number): Flag[] {
  const flapping = state.limits?.flapping;
  if (flapping === null || flapping === undefined) return [];
  const seen = (state.proposals[rrset] ?? []).filter((at) => at > now - flapping.windowSeconds * 1000);
  if (seen.length < flapping.repeats) return [];
  return [
    {
      kind: 'repeated',
      tier: flapping.tier,
      message: `${rrset} proposed ${seen.length} times within ${formatDuration(flapping.windowSeconds)} (flagged at ${flapping.repeats})`,
    },
  ];
}

/** A proposal for admission. Idempotent per change; arrivals queue behind anyone already queued. */
export function admit(state: GovernorState, request: AdmitRequest, now: number): Outcome<AdmitAnswer> {
  state.limits = request.limits;
  const { changeId, rrset } = request;
  const known = state.changes[changeId];
  if (known?.admittedAt !== null && known !== undefined)
    return { answer: { verdict: 'admitted', flags: known.flags }, effects: [] };
  if (state.queue.some((q) => q.changeId === changeId))
    return { answer: { verdict: 'queued', hold: queueHold(state, changeId, now) }, effects: [] };

  const entry = record(state, changeId);
  if (state.scope.kind === 'zone') {
    state.proposals[rrset] = [...(state.proposals[rrset] ?? []), now];
    entry.flags = repeatFlags(state, rrset, now);
    if (entry.flags.length > 0) state.counters.flagged += 1;
  }
  const budget = state.limits.budgets.proposals;
  if (state.queue.length === 0 && fits(state.charges, 'proposals', budget, 1, now)) {
    admitNow(state, changeId, now, 'budget');
    return { answer: { verdict: 'admitted', flags: entry.flags }, effects: [] };
  }
  state.queue.push({ changeId, at: now });
  state.counters.queued += 1;
  return { answer: { verdict: 'queued', hold: queueHold(state, changeId, now) }, effects: [] };
}

function reversalFlags(state: GovernorState, request: AcquireRequest, now: number): Flag[] {
  const flapping = state.limits?.flapping;
  if (flapping === null || flapping === undefined || request.rrset === null) return [];
  const undone = (state.executions[request.rrset] ?? []).find(
    (e) =>
      e.changeId !== request.changeId &&
      e.at > now - flapping.reversalWindowSeconds * 1000 &&
      e.before === request.after &&
      e.after === request.before,
  );
  if (undone === undefined) return [];
  return [
    {
      kind: 'reverses',
      tier: flapping.tier,
      message: `undoes ${undone.changeId}, executed ${formatDuration(Math.max(1, Math.round((now - undone.at) / 1000)))} ago (flagged within ${formatDuration(flapping.reversalWindowSeconds)})`,
    },
  ];
}

function breakerHold(state: GovernorState): Hold {
  const breaker = state.limits?.breaker;
  const reopens =
    breaker?.halfOpenAfterSeconds === null || breaker?.halfOpenAfterSeconds === undefined
      ? null
      : iso(state.breaker.since + breaker.halfOpenAfterSeconds * 1000);
  return {
    code: 'breaker',
    scope: describeScope(state.scope),
    limit: 'circuit breaker',
    policyKey: `governor.${state.scope.kind}.breaker`,
    ...(breaker === null || breaker === undefined
      ? {}
      : { max: breaker.failures, window: formatDuration(breaker.windowSeconds) }),
    resetsAt: reopens,
    message: `the circuit breaker of ${describeScope(state.scope)} is ${state.breaker.state === 'half_open' ? 'half-open (its one trial is running)' : 'open'}: ${state.breaker.why ?? 'too many failures'}; automation there is proposal-only`,
    whatToDo: [
      'approve the change: it runs once approved',
      `after checking what failed, reset the breaker: countersign governor reset ${formatScope(state.scope)} --key <your key file> --reason "..."`,
      ...(reopens === null ? [] : [`or wait: one automatic change is let through as a trial at ${reopens}`]),
    ],
  };
}

function flagHold(state: GovernorState, flags: readonly Flag[]): Hold {
  return {
    code: 'flapping',
    scope: describeScope(state.scope),
    limit: 'flapping',
    policyKey: 'governor.flapping',
    resetsAt: null,
    message: `flagged as flapping: ${flags.map((f) => f.message).join('; ')}`,
    whatToDo: [
      'look at why the same RRset keeps being proposed, then approve or reject the change',
      'tune governor.flapping in the policy if this pattern is expected',
    ],
  };
}

const autoKinds: readonly BudgetKind[] = ['automaticExecutions', 'recordsTouched'];

function lockHold(state: GovernorState, rrset: string, changeId: string): Hold {
  const lock = state.locks[rrset] as Lock;
  const position = lock.waiters.indexOf(changeId) + 1;
  return {
    code: 'lock',
    scope: describeScope(state.scope),
    limit: 'rrset lock',
    resetsAt: null,
    position,
    message: `${rrset} is being changed by ${lock.holder}; this change runs after it${position > 1 ? ` and ${position - 1} other(s)` : ''}, re-staged on what it leaves`,
    whatToDo: [
      `wait: the lock passes on when ${lock.holder} closes (countersign status ${lock.holder})`,
      `a holder that vanished loses the lock when its lease ends (${iso(lock.expiresAt)})`,
    ],
  };
}

/**
 * Permission to execute. Automatic changes may be re-routed to approval (breaker, flapping,
 * exhausted automatic budgets); approved ones may wait for their budget; either may wait for the
 * RRset's lock. Charges are made once per change and refunded when it is re-routed.
 */
export function acquire(state: GovernorState, request: AcquireRequest, now: number): Outcome<AcquireAnswer> {
  state.limits = request.limits;
  const limits = request.limits;
  const { changeId } = request;
  const entry = record(state, changeId);
  if (entry.admittedAt === null) entry.admittedAt = now;
  entry.awaitingApprovalSince = null;
  delete entry.roles;
  const flags = [...entry.flags, ...reversalFlags(state, request, now)];
  const effects: Effect[] = [];
  // A freeze comes first: nothing is charged or locked for a change that may not run yet.
  if (state.overrides !== undefined) {
    const gate = freezeGate(
      state.overrides,
      {
        changeId,
        route: request.route,
        incident: request.incident ?? null,
        approverRoles: request.approverRoles ?? [],
      },
      limits.overrides,
      formatScope(state.scope),
      now,
    );
    effects.push(...gate.effects);
    if (gate.hold !== null) {
      effects.push(...leaveLocks(state, changeId, now));
      return { answer: { verdict: 'wait', hold: gate.hold }, effects };
    }
  }

  if (request.route === 'auto') {
    const reroute = (hold: Hold): Outcome<AcquireAnswer> => {
      refundAuto(state, changeId);
      effects.push(...leaveLocks(state, changeId, now));
      state.counters.rerouted += 1;
      return { answer: { verdict: 'reroute', hold, flags }, effects };
    };
    if (state.breaker.state === 'open') return reroute(breakerHold(state));
    if (
      state.breaker.state === 'half_open' &&
      state.breaker.trial !== null &&
      state.breaker.trial !== changeId
    )
      return reroute(breakerHold(state));
    if (flags.length > 0) {
      if (flags.length > entry.flags.length) state.counters.flagged += 1;
      return reroute(flagHold(state, flags));
    }
    for (const [kind, amount] of [
      ['automaticExecutions', 1],
      ['recordsTouched', request.recordsTouched],
    ] as const) {
      if (
        !hasCharge(state.charges, `${changeId}:${kind}`) &&
        !fits(state.charges, kind, limits.budgets[kind], amount, now)
      )
        return reroute(
          budgetHold(state, kind, amount, now, 'budget', [
            'approve it: it is waiting for approval (proposal-only) with this reason',
            `raise ${policyKey(state.scope, kind)} in the policy`,
          ]),
        );
    }
    if (state.breaker.state === 'half_open' && state.breaker.trial !== changeId) {
      state.breaker.trial = changeId;
      state.breaker.trialSince = now;
    }
    charge(state.charges, {
      kind: 'automaticExecutions',
      key: `${changeId}:automaticExecutions`,
      changeId,
      at: now,
      amount: 1,
    });
    if (request.recordsTouched > 0)
      charge(state.charges, {
        kind: 'recordsTouched',
        key: `${changeId}:recordsTouched`,
        changeId,
        at: now,
        amount: request.recordsTouched,
      });
  } else if (!hasCharge(state.charges, `${changeId}:approvedExecutions`)) {
    if (!fits(state.charges, 'approvedExecutions', limits.budgets.approvedExecutions, 1, now))
      return {
        answer: {
          verdict: 'wait',
          hold: budgetHold(state, 'approvedExecutions', 1, now, 'budget', [
            'wait: it runs by itself when the window allows',
            `raise ${policyKey(state.scope, 'approvedExecutions')} in the policy`,
          ]),
        },
        effects,
      };
    charge(state.charges, {
      kind: 'approvedExecutions',
      key: `${changeId}:approvedExecutions`,
      changeId,
      at: now,
      amount: 1,
    });
  }

  if (request.rrset === null) return { answer: { verdict: 'granted', leaseExpiresAt: null, flags }, effects };
  const lock = state.locks[request.rrset];
  const leaseMs = limits.leaseSeconds * 1000;
  if (lock === undefined) {
    state.locks[request.rrset] = { holder: changeId, since: now, expiresAt: now + leaseMs, waiters: [] };
    return { answer: { verdict: 'granted', leaseExpiresAt: now + leaseMs, flags }, effects };
  }
  if (lock.holder === changeId) {
    lock.expiresAt = now + leaseMs;
    return { answer: { verdict: 'granted', leaseExpiresAt: lock.expiresAt, flags }, effects };
  }
  if (!lock.waiters.includes(changeId)) lock.waiters.push(changeId);
  return { answer: { verdict: 'wait', hold: lockHold(state, request.rrset, changeId) }, effects };
}

/** What an automatic change asks with its admission: the write's permit, as `acquire` takes it. */
export type PermitRequest = Omit<AcquireRequest, 'changeId' | 'limits'>;

export type AdmitWithPermitAnswer =
  | { readonly verdict: 'queued'; readonly hold: Hold }
  | { readonly verdict: 'admitted'; readonly flags: readonly Flag[]; readonly permit: AcquireAnswer };

/**
 * Admission and, once admitted, the write's permit in one ask: an automatic change whose plan is
 * staged already saves a round trip to every governor. Queued: nothing more is granted here.
 */
export function admitWithPermit(
  state: GovernorState,
  request: AdmitRequest & { readonly permit: PermitRequest },
  now: number,
): Outcome<AdmitWithPermitAnswer> {
  const { changeId, limits } = request;
  const admission = admit(state, { changeId, rrset: request.rrset, limits }, now);
  if (admission.answer.verdict === 'queued') return { answer: admission.answer, effects: admission.effects };
  const permit = acquire(state, { ...request.permit, changeId, limits }, now);
  return {
    answer: { verdict: 'admitted', flags: admission.answer.flags, permit: permit.answer },
    effects: [...admission.effects, ...permit.effects],
  };
}

/**
 * Gives back what a permit granted (automatic charges, RRset locks and their lines, a freeze's
 * list) while staying admitted: another scope queued the change that this one let through.
 */
export function returnPermit(state: GovernorState, changeId: string, now: number): Outcome<null> {
  refundAuto(state, changeId);
  const effects = leaveLocks(state, changeId, now);
  if (state.overrides !== undefined) effects.push(...leaveFreeze(state.overrides, changeId, now));
  return { answer: null, effects };
}

/** Hands the RRset to its next waiter (arrival order), or frees it. */
function releaseLock(state: GovernorState, rrset: string, changeId: string, now: number): Effect[] {
  const lock = state.locks[rrset];
  if (lock === undefined) return [];
  lock.waiters = lock.waiters.filter((w) => w !== changeId);
  if (lock.holder !== changeId) return [];
  const next = lock.waiters.shift();
  if (next === undefined) {
    delete state.locks[rrset];
    return [];
  }
  lock.holder = next;
  lock.since = now;
  lock.expiresAt = now + (state.limits?.leaseSeconds ?? 600) * 1000;
  return [{ kind: 'nudge', changeId: next }];
}

/** Every RRset lock the change holds passes on, and it leaves every line it waits in. */
function leaveLocks(state: GovernorState, changeId: string, now: number): Effect[] {
  const effects: Effect[] = [];
  for (const [key, lock] of Object.entries(state.locks))
    if (lock.holder === changeId || lock.waiters.includes(changeId))
      effects.push(...releaseLock(state, key, changeId, now));
  return effects;
}

/** Takes back the automatic charges of a change that will not run automatically, and its trial. */
function refundAuto(state: GovernorState, changeId: string): void {
  for (const kind of autoKinds) refund(state.charges, `${changeId}:${kind}`);
  if (state.breaker.trial === changeId) state.breaker.trial = null;
}

/** The change no longer runs or is done: nothing of it stays but its charges and outcome. */
function forget(state: GovernorState, changeId: string, now: number): Effect[] {
  const effects = leaveLocks(state, changeId, now);
  state.queue = state.queue.filter((q) => q.changeId !== changeId);
  if (state.breaker.trial === changeId) state.breaker.trial = null;
  delete state.changes[changeId];
  if (state.overrides !== undefined) effects.push(...leaveFreeze(state.overrides, changeId, now));
  return effects;
}

/** A change closed, however it closed: its lock passes on, its outcome counts toward the breaker. */
export function release(state: GovernorState, request: ReleaseRequest, now: number): Outcome<null> {
  const { changeId, rrset } = request;
  const effects: Effect[] = leaveLocks(state, changeId, now);
  state.queue = state.queue.filter((q) => q.changeId !== changeId);
  // Nothing was written: execution budgets are not spent by a change that never executed.
  if (request.outcome === 'not_executed')
    for (const kind of ['automaticExecutions', 'approvedExecutions', 'recordsTouched'] as const)
      refund(state.charges, `${changeId}:${kind}`);
  if (request.outcome === 'executed' && rrset !== null && request.before !== request.after) {
    state.executions[rrset] = [
      ...(state.executions[rrset] ?? []).slice(-9),
      { changeId, before: request.before, after: request.after, at: now },
    ];
  }
  const breaker = state.breaker;
  const limits = state.limits?.breaker ?? null;
  if (request.outcome === 'failed' && limits !== null) {
    breaker.failures = [
      ...breaker.failures.filter((f) => f.changeId !== changeId),
      { changeId, at: now },
    ].filter((f) => f.at > now - limits.windowSeconds * 1000);
    const trialFailed = breaker.state === 'half_open' && breaker.trial === changeId;
    if (trialFailed || (breaker.state === 'closed' && breaker.failures.length >= limits.failures)) {
      breaker.state = 'open';
      breaker.since = now;
      breaker.trial = null;
      breaker.why = trialFailed
        ? `the half-open trial ${changeId} failed: ${request.summary}`
        : `${breaker.failures.length} failures within ${formatDuration(limits.windowSeconds)}, the last ${changeId}: ${request.summary}`;
      state.counters.breakerOpened += 1;
      effects.push(event('breaker_opened', 'countersign', breaker.why, now), {
        kind: 'escalate',
        notify: limits.notify,
        what: `the circuit breaker of ${describeScope(state.scope)} opened: automation there is proposal-only`,
        why: breaker.why,
      });
    }
  } else if (request.outcome === 'executed' && breaker.state === 'half_open' && breaker.trial === changeId) {
    breaker.state = 'closed';
    breaker.since = now;
    breaker.trial = null;
    breaker.failures = [];
    breaker.why = null;
    effects.push(event('breaker_closed', 'countersign', `the half-open trial ${changeId} verified`, now));
  }
  effects.push(...forget(state, changeId, now));
  return { answer: null, effects };
}

/** An escalation about to go out: counted against the escalation budget, or held back and said so. */
export function escalate(
  state: GovernorState,
  request: { changeId: string; key: string; limits: ScopeLimits },
  now: number,
): Outcome<EscalateAnswer> {
  state.limits = request.limits;
  const budget = request.limits.budgets.escalations;
  const key = `${request.changeId}:escalation:${request.key}`;
  if (!hasCharge(state.charges, key) && !fits(state.charges, 'escalations', budget, 1, now)) {
    state.counters.escalationsSuppressed += 1;
    return {
      answer: {
        verdict: 'suppressed',
        hold: budgetHold(state, 'escalations', 1, now, 'budget', [
          `the change still waits for approval: countersign pending, or governor status ${formatScope(state.scope)}`,
          `raise ${policyKey(state.scope, 'escalations')} in the policy`,
        ]),
      },
      effects: [],
    };
  }
  charge(state.charges, { kind: 'escalations', key, changeId: request.changeId, at: now, amount: 1 });
  return { answer: { verdict: 'allowed' }, effects: [] };
}

/**
 * A change opens an approval request: it joins the scope's list of changes waiting for people, and
 * the RRset locks it holds or waits for pass on (no RRset waits on a human).
 */
export function review(
  state: GovernorState,
  changeId: string,
  now: number,
  /** The roles whose approval the request needs; empty or absent: any approver. */
  roles?: readonly string[],
): Outcome<null> {
  const entry = record(state, changeId);
  entry.awaitingApprovalSince = now;
  const needed = [...new Set(roles ?? [])].sort();
  if (needed.length > 0) entry.roles = needed;
  else delete entry.roles;
  // Going to people, it is no longer an automatic change (nor a breaker trial).
  refundAuto(state, changeId);
  const effects = leaveLocks(state, changeId, now);
  if (state.overrides !== undefined) effects.push(...leaveFreeze(state.overrides, changeId, now));
  return { answer: null, effects };
}

/**
 * The changes waiting for people: all of them, and by each role whose approval they need (a change
 * needing two roles counts under both; one any approver may decide counts under none).
 */
export function awaitingApproval(state: GovernorState): { total: number; byRole: Map<string, number> } {
  let total = 0;
  const byRole = new Map<string, number>();
  for (const entry of Object.values(state.changes)) {
    if (entry.awaitingApprovalSince === null) continue;
    total += 1;
    for (const role of new Set(entry.roles ?? [])) byRole.set(role, (byRole.get(role) ?? 0) + 1);
  }
  return { total, byRole };
}

/** Takes back what an automatic change was charged when another scope re-routed it to approval. */
export function refundAutomatic(state: GovernorState, changeId: string): Outcome<null> {
  refundAuto(state, changeId);
  return { answer: null, effects: [] };
}

/** A verified human admits a queued change now, over the budget; it is still counted. */
export function humanAdmit(
  state: GovernorState,
  request: { changeId: string; principal: string; reason: string },
  now: number,
): Outcome<{ admitted: boolean; message: string }> {
  const index = state.queue.findIndex((q) => q.changeId === request.changeId);
  if (index < 0)
    return {
      answer: {
        admitted: false,
        message: `${request.changeId} is not in the review queue of ${describeScope(state.scope)}`,
      },
      effects: [],
    };
  state.queue.splice(index, 1);
  admitNow(state, request.changeId, now, request.principal);
  state.counters.humanAdmitted += 1;
  const summary = `${request.principal} admitted ${request.changeId} from the review queue: ${request.reason}`;
  return {
    answer: { admitted: true, message: summary },
    effects: [
      event('human_admitted', request.principal, summary, now),
      { kind: 'nudge', changeId: request.changeId },
    ],
  };
}

/** A verified human closes the breaker after looking at what failed. */
export function resetBreaker(
  state: GovernorState,
  request: { principal: string; reason: string },
  now: number,
): Outcome<{ reset: boolean; message: string }> {
  if (state.breaker.state === 'closed' && state.breaker.failures.length === 0)
    return {
      answer: { reset: false, message: `the breaker of ${describeScope(state.scope)} is already closed` },
      effects: [],
    };
  const was = state.breaker.state;
  state.breaker = { state: 'closed', since: now, failures: [], trial: null, trialSince: 0, why: null };
  const summary = `${request.principal} reset the ${was} breaker of ${describeScope(state.scope)}: ${request.reason}`;
  return {
    answer: { reset: true, message: summary },
    effects: [event('breaker_reset', request.principal, summary, now)],
  };
}

/**
 * Time passing: admits queued changes the window now allows (in arrival order), half-opens the
 * breaker after its cooldown, asks about expired leases, forgets what no window counts any more.
 * Returns when it next has something to do.
 */
export function tick(state: GovernorState, now: number): Outcome<{ nextAt: number | null }> {
  const effects: Effect[] = [];
  const limits = state.limits;
  const budgets = limits?.budgets ?? {};
  while (state.queue.length > 0 && fits(state.charges, 'proposals', budgets.proposals, 1, now)) {
    const head = state.queue.shift() as QueueEntry;
    admitNow(state, head.changeId, now, 'budget');
    effects.push({ kind: 'nudge', changeId: head.changeId });
  }
  const halfOpenAfter = limits?.breaker?.halfOpenAfterSeconds ?? null;
  if (
    state.breaker.state === 'open' &&
    halfOpenAfter !== null &&
    now >= state.breaker.since + halfOpenAfter * 1000
  ) {
    state.breaker.state = 'half_open';
    state.breaker.since = now;
    effects.push(
      event(
        'breaker_half_open',
        'countersign',
        `after ${formatDuration(halfOpenAfter)} one automatic change may run as a trial`,
        now,
      ),
    );
  }
  // A trial that never reports back (its change vanished, or a scope that never sees its release)
  // does not keep the breaker half-open for good: after a lease another change may try.
  const leaseMs = (limits?.leaseSeconds ?? 600) * 1000;
  if (state.breaker.trial !== null && now >= state.breaker.trialSince + leaseMs) state.breaker.trial = null;
  for (const [rrset, lock] of Object.entries(state.locks))
    if (lock.expiresAt <= now) effects.push({ kind: 'check_holder', changeId: lock.holder, rrset });

  state.charges = prune(state.charges, budgets, now);
  const flapWindow = (limits?.flapping?.windowSeconds ?? 0) * 1000;
  for (const [rrset, seen] of Object.entries(state.proposals)) {
    const kept = seen.filter((at) => at > now - flapWindow);
    if (kept.length === 0) delete state.proposals[rrset];
    else state.proposals[rrset] = kept;
  }
  const reversalWindow = (limits?.flapping?.reversalWindowSeconds ?? 0) * 1000;
  for (const [rrset, done] of Object.entries(state.executions)) {
    const kept = done.filter((e) => e.at > now - reversalWindow);
    if (kept.length === 0) delete state.executions[rrset];
    else state.executions[rrset] = kept;
  }
  state.nonces = state.nonces.filter((n) => n.until > now);

  const candidates: number[] = [];
  if (state.overrides !== undefined) {
    const timers = overrideTimers(state.overrides, formatScope(state.scope), now);
    effects.push(...timers.effects);
    candidates.push(...timers.nextAt);
  }
  if (state.queue.length > 0) {
    const at = fitsAt(state.charges, 'proposals', budgets.proposals, 1, now);
    if (at !== null) candidates.push(at);
  }
  if (state.breaker.state === 'open' && halfOpenAfter !== null)
    candidates.push(state.breaker.since + halfOpenAfter * 1000);
  if (state.breaker.trial !== null) candidates.push(state.breaker.trialSince + leaseMs);
  for (const lock of Object.values(state.locks)) if (lock.expiresAt > now) candidates.push(lock.expiresAt);
  return { answer: { nextAt: candidates.length === 0 ? null : Math.min(...candidates) }, effects };
}

/** The governor asked whether a lock's holder still runs: extend its lease, or pass the lock on. */
export function holderChecked(
  state: GovernorState,
  request: { changeId: string; rrset: string; running: boolean },
  now: number,
): Outcome<null> {
  const lock = state.locks[request.rrset];
  if (lock === undefined || lock.holder !== request.changeId) return { answer: null, effects: [] };
  if (request.running) {
    lock.expiresAt = now + (state.limits?.leaseSeconds ?? 600) * 1000;
    return { answer: null, effects: [] };
  }
  state.counters.leasesExpired += 1;
  const effects = forget(state, request.changeId, now);
  return {
    answer: null,
    effects: [
      event(
        'lease_expired',
        'countersign',
        `${request.changeId} no longer runs; its lock on ${request.rrset} passed on`,
        now,
      ),
      ...effects,
    ],
  };
}

/** A queued change that could not be told it was admitted (it no longer runs). */
export function dropVanished(state: GovernorState, changeId: string, now: number): Outcome<null> {
  const effects = forget(state, changeId, now);
  return {
    answer: null,
    effects: [...effects, event('queue_dropped', 'countersign', `${changeId} no longer runs; dropped`, now)],
  };
}

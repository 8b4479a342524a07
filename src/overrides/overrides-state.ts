import { formatDuration } from '../policy/duration';
import type { Effect, Outcome } from '../governor/effects';
import { event } from '../governor/effects';
import type { Hold } from '../governor/hold';
import type { ActiveException, ExceptionSpec } from './exception';
import { describeEffect } from './describe-effect';
import type { OverrideLimits, ReviewLimits } from './override-limits';

/**
 * Human overrides of one scope, kept by its governor: freezes (set by a person or by an incident),
 * declared incidents, break-glass grants and their retroactive reviews, and exceptions. Pure
 * functions of (state, request, now), like the governor's own rules; every one of them expires by
 * itself, on the governor's durable timers (`overrideTimers`).
 */

export interface Freeze {
  /** `person` for a freeze a person set, `incident:<id>` for an incident's. */
  readonly id: string;
  readonly by: string;
  readonly reason: string;
  readonly since: number;
  readonly until: number | null;
  readonly incident: string | null;
}

export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly openedBy: string;
  readonly openedAt: number;
  readonly via: 'cli' | 'webhook';
}

export interface BreakGlassGrant {
  readonly id: string;
  readonly holder: string;
  readonly reason: string;
  readonly incident: string | null;
  readonly since: number;
  readonly expiresAt: number;
  endedAt: number | null;
  /** Changes approved under it (each needed no second approver). */
  changes: string[];
  readonly review: ReviewLimits;
}

export interface RetroReview {
  readonly grantId: string;
  readonly holder: string;
  changes: string[];
  readonly openedAt: number;
  readonly dueAt: number;
  status: 'open' | 'overdue' | 'approved' | 'rejected';
  /** Once overdue, always counted as overdue, whatever comes later. */
  overdue: boolean;
  reviewer: string | null;
  reason: string | null;
  remindersSent: number;
}

export interface ExceptionRecord {
  readonly spec: ExceptionSpec;
  readonly scope: string;
  status: 'proposed' | 'active' | 'expired' | 'revoked';
  approvedBy: string[];
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly noticeSeconds: number;
  readonly reviewEverySeconds: number;
  noticeSent: boolean;
  nextReviewAt: number;
  endedAt: number | null;
  endedBy: string | null;
}

export interface OverridesState {
  freezes: Freeze[];
  /** Changes held by a freeze, in arrival order. */
  frozen: string[];
  /** After the last freeze ended: changes let go one at a time, in arrival order. */
  thawing: string[];
  thawHeadSince: number;
  incidents: Record<string, Incident>;
  grants: BreakGlassGrant[];
  reviews: RetroReview[];
  exceptions: ExceptionRecord[];
  nextGrant: number;
  counters: {
    heldByFreeze: number;
    breakGlassGranted: number;
    breakGlassChanges: number;
    reviewsApproved: number;
    reviewsRejected: number;
    reviewsOverdue: number;
    exceptionsGranted: number;
    exceptionsExpired: number;
    refused: number;
  };
}

export function initialOverrides(): OverridesState {
  return {
    freezes: [],
    frozen: [],
    thawing: [],
    thawHeadSince: 0,
    incidents: {},
    grants: [],
    reviews: [],
    exceptions: [],
    nextGrant: 1,
    counters: {
      heldByFreeze: 0,
      breakGlassGranted: 0,
      breakGlassChanges: 0,
      reviewsApproved: 0,
      reviewsRejected: 0,
      reviewsOverdue: 0,
      exceptionsGranted: 0,
      exceptionsExpired: 0,
      refused: 0,
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const finishedKept = 50;

export interface ActionAnswer {
  readonly ok: boolean;
  readonly message: string;
}

const refused = (o: OverridesState, message: string): Outcome<ActionAnswer> => {
  o.counters.refused += 1;
  return { answer: { ok: false, message }, effects: [] };
};

function activeFreezes(o: OverridesState, now: number): Freeze[] {
  return o.freezes.filter((f) => f.until === null || f.until > now);
}

/** After the last freeze ends, the changes it held go on one at a time, in the order they arrived. */
function thawIfClear(o: OverridesState, now: number): Effect[] {
  if (activeFreezes(o, now).length > 0 || o.frozen.length === 0) return [];
  o.thawing = [...o.thawing, ...o.frozen.filter((c) => !o.thawing.includes(c))];
  o.frozen = [];
  o.thawHeadSince = now;
  const head = o.thawing[0];
  return head === undefined ? [] : [{ kind: 'nudge', changeId: head }];
}

export function freeze(
  o: OverridesState,
  request: { principal: string; reason: string; until: number | null; incident: string | null },
  limits: OverrideLimits,
  scope: string,
  now: number,
): Outcome<ActionAnswer> {
  const max = limits.freeze?.maxSeconds ?? null;
  if (request.until !== null && request.until <= now) return refused(o, '--until is in the past');
  if (max !== null && request.until !== null && request.until > now + max * 1000)
    return refused(
      o,
      `a freeze may last at most ${formatDuration(max)} (overrides.freeze.maxDuration): give --until within it`,
    );
  // Without --until it lasts as long as the policy allows, and no longer: nothing is frozen for good by oversight.
  request = { ...request, until: request.until ?? (max === null ? null : now + max * 1000) };
  const existing = o.freezes.find((f) => f.id === 'person');
  o.freezes = o.freezes.filter((f) => f.id !== 'person');
  o.freezes.push({ id: 'person', by: request.principal, ...request, since: existing?.since ?? now });
  const summary = `${request.principal} ${existing === undefined ? 'froze' : 'renewed the freeze of'} ${scope}${request.until === null ? '' : ` until ${iso(request.until)}`}${request.incident === null ? '' : ` for incident ${request.incident}`}: ${request.reason}`;
  return {
    answer: { ok: true, message: summary },
    effects: [event('freeze_started', request.principal, summary, now)],
  };
}

export function unfreeze(
  o: OverridesState,
  request: { principal: string; reason: string },
  scope: string,
  now: number,
): Outcome<ActionAnswer> {
  if (!o.freezes.some((f) => f.id === 'person')) {
    const incidents = o.freezes.filter((f) => f.incident !== null && f.id !== 'person');
    return refused(
      o,
      `${scope} has no freeze set by a person${incidents.length > 0 ? `; it is frozen by incident ${incidents.map((f) => f.incident).join(', ')}, which ends when the incident closes (countersign incident close)` : ''}`,
    );
  }
  o.freezes = o.freezes.filter((f) => f.id !== 'person');
  const summary = `${request.principal} unfroze ${scope}: ${request.reason}`;
  return {
    answer: { ok: true, message: summary },
    effects: [event('freeze_ended', request.principal, summary, now), ...thawIfClear(o, now)],
  };
}

export function openIncident(
  o: OverridesState,
  request: { id: string; title: string; principal: string; via: 'cli' | 'webhook' },
  limits: OverrideLimits,
  scope: string,
  now: number,
): Outcome<ActionAnswer> {
  if (o.incidents[request.id] !== undefined)
    return {
      answer: { ok: true, message: `incident ${request.id} is already open in ${scope}` },
      effects: [],
    };
  o.incidents[request.id] = { ...request, openedBy: request.principal, openedAt: now };
  const freezes = limits.incidents?.freeze === true;
  if (freezes)
    o.freezes.push({
      id: `incident:${request.id}`,
      by: request.principal,
      reason: `incident ${request.id}: ${request.title}`,
      since: now,
      until: null,
      incident: request.id,
    });
  const summary = `${request.principal} declared incident ${request.id} for ${scope} (${request.via}): ${request.title}${freezes ? `; non-essential automation there is frozen until it closes` : ''}`;
  const effects: Effect[] = [event('incident_opened', request.principal, summary, now)];
  if (freezes) effects.push(event('freeze_started', request.principal, summary, now));
  return { answer: { ok: true, message: summary }, effects };
}

export function closeIncident(
  o: OverridesState,
  request: { id: string; principal: string; reason: string },
  scope: string,
  now: number,
): Outcome<ActionAnswer> {
  if (o.incidents[request.id] === undefined) return refused(o, `no open incident ${request.id} in ${scope}`);
  delete o.incidents[request.id];
  const had = o.freezes.some((f) => f.id === `incident:${request.id}`);
  o.freezes = o.freezes.filter((f) => f.id !== `incident:${request.id}`);
  const summary = `${request.principal} closed incident ${request.id} in ${scope}: ${request.reason}`;
  return {
    answer: { ok: true, message: summary },
    effects: [
      event('incident_closed', request.principal, summary, now),
      ...(had
        ? [
            event(
              'freeze_ended',
              request.principal,
              `incident ${request.id} closed; its freeze of ${scope} ended`,
              now,
            ),
          ]
        : []),
      ...thawIfClear(o, now),
    ],
  };
}

export interface FreezeQuestion {
  readonly changeId: string;
  readonly route: 'auto' | 'approved';
  /** The incident the change names (its remediation is not frozen by that incident). */
  readonly incident: string | null;
  /** The roles of each counted approver. */
  readonly approverRoles: readonly (readonly string[])[];
}

function freezeHold(freezes: Freeze[], scope: string, position: number, thawing: boolean): Hold {
  const f = freezes[0];
  return {
    code: 'freeze',
    scope,
    limit: thawing ? 'freeze (releasing in order)' : 'freeze',
    policyKey:
      f?.incident !== null && f !== undefined && f.id !== 'person'
        ? 'overrides.incidents.freeze'
        : 'overrides.freeze',
    resetsAt: f === undefined || f.until === null ? null : iso(f.until),
    position,
    message: thawing
      ? `the freeze of ${scope} ended; held changes go on in arrival order, ${position - 1} before this one`
      : `${scope} is frozen by ${freezes.map((x) => `${x.by} (${x.reason})`).join(' and ')}${f?.until === null || f === undefined ? '' : ` until ${iso(f.until)}`}; this change waits`,
    whatToDo: thawing
      ? ['wait: it goes on as soon as the changes before it have']
      : [
          `unfreeze when it is safe: countersign unfreeze --scope ${scope.replace(' ', ':')} --key <your key file> --reason "..."`,
          ...(freezes.some((x) => x.incident !== null && x.id !== 'person')
            ? ['or close the incident: countersign incident close <id> --scope ... --key ...']
            : []),
          'an approver with a freeze-override role (overrides.freeze.overrideRoles) may approve it to run now',
        ],
  };
}

/**
 * Whether a freeze holds this change at execution. Rollbacks never ask (they are part of an
 * execution already under way). Returns the hold, or null to go on.
 */
export function freezeGate(
  o: OverridesState,
  q: FreezeQuestion,
  limits: OverrideLimits | undefined,
  scope: string,
  now: number,
): { hold: Hold | null; effects: Effect[] } {
  const exemptLinked = limits?.incidents?.exemptLinked ?? true;
  const holding = activeFreezes(o, now).filter(
    (f) => !(exemptLinked && f.id !== 'person' && f.incident !== null && f.incident === q.incident),
  );
  if (holding.length > 0) {
    const overrideRoles = limits?.freeze?.overrideRoles ?? [];
    const overridden =
      q.route === 'approved' && q.approverRoles.some((roles) => roles.some((r) => overrideRoles.includes(r)));
    if (!overridden) {
      if (!o.frozen.includes(q.changeId)) {
        o.frozen.push(q.changeId);
        o.counters.heldByFreeze += 1;
      }
      return { hold: freezeHold(holding, scope, o.frozen.indexOf(q.changeId) + 1, false), effects: [] };
    }
    return {
      hold: null,
      effects: [
        event(
          'freeze_released',
          'countersign',
          `${q.changeId} runs during the freeze: approved by a freeze-override role`,
          now,
        ),
      ],
    };
  }
  if (o.thawing.length === 0 && !o.frozen.includes(q.changeId)) return { hold: null, effects: [] };
  o.frozen = o.frozen.filter((c) => c !== q.changeId);
  if (!o.thawing.includes(q.changeId)) o.thawing.push(q.changeId);
  if (o.thawing[0] !== q.changeId)
    return { hold: freezeHold([], scope, o.thawing.indexOf(q.changeId) + 1, true), effects: [] };
  o.thawing.shift();
  o.thawHeadSince = now;
  const next = o.thawing[0];
  return {
    hold: null,
    effects: [
      event('freeze_released', 'countersign', `${q.changeId} goes on after the freeze`, now),
      ...(next === undefined ? [] : [{ kind: 'nudge' as const, changeId: next }]),
    ],
  };
}

/** The change closed or vanished: it leaves the freeze's lines (the next in line is told). */
export function leaveFreeze(o: OverridesState, changeId: string, now: number): Effect[] {
  o.frozen = o.frozen.filter((c) => c !== changeId);
  const wasHead = o.thawing[0] === changeId;
  o.thawing = o.thawing.filter((c) => c !== changeId);
  if (!wasHead) return [];
  o.thawHeadSince = now;
  const next = o.thawing[0];
  return next === undefined ? [] : [{ kind: 'nudge', changeId: next }];
}

export function startBreakGlass(
  o: OverridesState,
  request: { principal: string; reason: string; incident: string | null; seconds: number },
  limits: OverrideLimits,
  scope: string,
  now: number,
): Outcome<ActionAnswer & { grantId?: string; expiresAt?: string }> {
  const bg = limits.breakGlass;
  if (bg === null) return refused(o, 'the policy allows no break-glass (overrides.breakGlass)');
  if (request.seconds > bg.maxSeconds)
    return refused(
      o,
      `break-glass lasts at most ${formatDuration(bg.maxSeconds)} (overrides.breakGlass.maxDuration)`,
    );
  const current = o.grants.find((g) => g.holder === request.principal && g.endedAt === null);
  if (current !== undefined)
    return refused(
      o,
      `${request.principal} already holds break-glass ${current.id} for ${scope} until ${iso(current.expiresAt)}`,
    );
  const id = `bg-${o.nextGrant}`;
  o.nextGrant += 1;
  const grant: BreakGlassGrant = {
    id,
    holder: request.principal,
    reason: request.reason,
    incident: request.incident,
    since: now,
    expiresAt: now + request.seconds * 1000,
    endedAt: null,
    changes: [],
    review: bg.review,
  };
  o.grants.push(grant);
  o.counters.breakGlassGranted += 1;
  const summary = `${request.principal} broke the glass for ${scope} (${id}) for ${formatDuration(request.seconds)}, until ${iso(grant.expiresAt)}${request.incident === null ? '' : `, incident ${request.incident}`}: ${request.reason}`;
  return {
    answer: { ok: true, message: summary, grantId: id, expiresAt: iso(grant.expiresAt) },
    effects: [
      event('break_glass_started', request.principal, summary, now),
      {
        kind: 'escalate',
        notify: bg.review.escalation[0]?.notify ?? ['sre'],
        what: `break-glass ${id} for ${scope} by ${request.principal}`,
        why: request.reason,
        risk: `until ${iso(grant.expiresAt)} one approval by ${request.principal} lets a change in ${scope} run`,
        howToDecide: `countersign governor status ${scope}; review it when it ends: countersign break-glass review ${id} --scope ${scope} --approve|--reject --key <key> --reason "..."`,
      },
    ],
  };
}

export interface BreakGlassView {
  readonly id: string;
  readonly scope: string;
  readonly holder: string;
  readonly reason: string;
  readonly incident: string | null;
  readonly expiresAt: string;
}

/** A change's approver holds break-glass here: the change is marked and needs no second approver. */
export function useBreakGlass(
  o: OverridesState,
  request: { changeId: string; principal: string },
  scope: string,
  now: number,
): Outcome<BreakGlassView | null> {
  const grant = o.grants.find(
    (g) =>
      g.holder.toLowerCase() === request.principal.toLowerCase() && g.endedAt === null && g.expiresAt > now,
  );
  if (grant === undefined) return { answer: null, effects: [] };
  const effects: Effect[] = [];
  if (!grant.changes.includes(request.changeId)) {
    grant.changes.push(request.changeId);
    o.counters.breakGlassChanges += 1;
    effects.push(
      event(
        'break_glass_used',
        grant.holder,
        `${request.changeId} approved by ${grant.holder} under ${grant.id}: no second approver`,
        now,
      ),
    );
  }
  return {
    answer: {
      id: grant.id,
      scope,
      holder: grant.holder,
      reason: grant.reason,
      incident: grant.incident,
      expiresAt: iso(grant.expiresAt),
    },
    effects,
  };
}

function endGrant(
  o: OverridesState,
  grant: BreakGlassGrant,
  by: string,
  why: string,
  scope: string,
  now: number,
): Effect[] {
  grant.endedAt = now;
  const review: RetroReview = {
    grantId: grant.id,
    holder: grant.holder,
    changes: [...grant.changes],
    openedAt: now,
    dueAt: now + grant.review.withinSeconds * 1000,
    status: 'open',
    overdue: false,
    reviewer: null,
    reason: null,
    remindersSent: 0,
  };
  o.reviews.push(review);
  const summary = `break-glass ${grant.id} of ${grant.holder} for ${scope} ended (${why}); ${grant.changes.length} change(s) under it: ${grant.changes.join(', ') || 'none'}`;
  return [
    event('break_glass_ended', by, summary, now),
    event(
      'review_opened',
      'countersign',
      `retroactive review of ${grant.id} opened: someone other than ${grant.holder} must complete it by ${iso(review.dueAt)}`,
      now,
    ),
  ];
}

export function endBreakGlass(
  o: OverridesState,
  request: { principal: string; reason: string; grantId: string | null },
  scope: string,
  now: number,
): Outcome<ActionAnswer> {
  const grant = o.grants.find(
    (g) =>
      g.endedAt === null &&
      (request.grantId === null ? g.holder === request.principal : g.id === request.grantId),
  );
  if (grant === undefined)
    return refused(o, `no break-glass ${request.grantId ?? `of ${request.principal}`} is active in ${scope}`);
  const effects = endGrant(
    o,
    grant,
    request.principal,
    `ended by ${request.principal}: ${request.reason}`,
    scope,
    now,
  );
  return {
    answer: { ok: true, message: `break-glass ${grant.id} ended; its retroactive review is open` },
    effects,
  };
}

export function completeReview(
  o: OverridesState,
  request: { grantId: string; principal: string; decision: 'approve' | 'reject'; reason: string },
  scope: string,
  now: number,
): Outcome<ActionAnswer> {
  const review = o.reviews.find((r) => r.grantId === request.grantId);
  if (review === undefined) {
    const active = o.grants.find((g) => g.id === request.grantId && g.endedAt === null);
    return refused(
      o,
      active === undefined
        ? `no retroactive review ${request.grantId} in ${scope}`
        : `${request.grantId} is still active (until ${iso(active.expiresAt)}); its review opens when it ends`,
    );
  }
  if (review.holder.toLowerCase() === request.principal.toLowerCase())
    return refused(
      o,
      `${request.principal} held ${request.grantId} and may not review it: a different operator must`,
    );
  if (review.status === 'approved' || review.status === 'rejected')
    return refused(o, `the review of ${request.grantId} was already completed by ${review.reviewer}`);
  review.status = request.decision === 'approve' ? 'approved' : 'rejected';
  review.reviewer = request.principal;
  review.reason = request.reason;
  if (review.status === 'approved') o.counters.reviewsApproved += 1;
  else o.counters.reviewsRejected += 1;
  const summary = `${request.principal} ${request.decision === 'approve' ? 'approved' : 'rejected'} the retroactive review of ${request.grantId} (${review.holder}, ${review.changes.length} change(s))${review.overdue ? ', overdue' : ''}: ${request.reason}`;
  const grant = o.grants.find((g) => g.id === request.grantId);
  return {
    answer: { ok: true, message: summary },
    effects: [
      event('review_completed', request.principal, summary, now),
      ...(review.status === 'rejected'
        ? [
            {
              kind: 'escalate' as const,
              notify: grant?.review.escalation.at(-1)?.notify ?? ['sre'],
              what: `the retroactive review of break-glass ${request.grantId} in ${scope} was rejected`,
              why: request.reason,
            },
          ]
        : []),
    ],
  };
}

export function grantException(
  o: OverridesState,
  request: { spec: ExceptionSpec; principal: string },
  limits: OverrideLimits,
  scope: string,
  now: number,
): Outcome<ActionAnswer> {
  const ex = limits.exceptions;
  if (ex === null) return refused(o, 'the policy allows no exceptions (overrides.exceptions)');
  const { spec } = request;
  const clash = o.exceptions.find(
    (e) => e.spec.id === spec.id && (e.status === 'active' || e.status === 'proposed'),
  );
  if (clash !== undefined)
    return refused(o, `exception ${spec.id} already exists in ${scope} (${clash.status})`);
  const expiresAt = Date.parse(spec.expiresAt);
  if (expiresAt <= now) return refused(o, 'expiresAt is in the past');
  if (expiresAt > now + ex.maxSeconds * 1000)
    return refused(
      o,
      `an exception may last at most ${formatDuration(ex.maxSeconds)} (overrides.exceptions.maxDuration)`,
    );
  const loosens = spec.effect.direction === 'loosen';
  o.exceptions.push({
    spec,
    scope,
    status: loosens ? 'proposed' : 'active',
    approvedBy: [request.principal],
    createdAt: now,
    expiresAt,
    noticeSeconds: ex.noticeSeconds,
    reviewEverySeconds: ex.reviewEverySeconds,
    noticeSent: false,
    nextReviewAt: now + ex.reviewEverySeconds * 1000,
    endedAt: null,
    endedBy: null,
  });
  if (!loosens) o.counters.exceptionsGranted += 1;
  const summary = loosens
    ? `${request.principal} proposed exception ${spec.id} for ${scope} (${describeEffect(spec.effect)}, owner ${spec.owner}, until ${spec.expiresAt}): it loosens the policy, so a second person must approve it (countersign exceptions approve ${spec.id})`
    : `${request.principal} granted exception ${spec.id} for ${scope} (${describeEffect(spec.effect)}, owner ${spec.owner}, until ${spec.expiresAt}): ${spec.justification}`;
  return {
    answer: { ok: true, message: summary },
    effects: [event(loosens ? 'exception_proposed' : 'exception_granted', request.principal, summary, now)],
  };
}

export function approveException(
  o: OverridesState,
  request: { id: string; principal: string },
  scope: string,
  now: number,
): Outcome<ActionAnswer> {
  const record = o.exceptions.find((e) => e.spec.id === request.id && e.status === 'proposed');
  if (record === undefined) return refused(o, `no exception ${request.id} awaits approval in ${scope}`);
  if (record.approvedBy.some((p) => p.toLowerCase() === request.principal.toLowerCase()))
    return refused(
      o,
      `${request.principal} already approved ${request.id}: dual control needs a different person`,
    );
  if (record.expiresAt <= now) return refused(o, `${request.id} expired before it was approved`);
  record.approvedBy.push(request.principal);
  record.status = 'active';
  o.counters.exceptionsGranted += 1;
  const summary = `${request.principal} approved exception ${request.id} for ${scope} with ${record.approvedBy[0]} (dual control): ${describeEffect(record.spec.effect)} until ${record.spec.expiresAt}`;
  return {
    answer: { ok: true, message: summary },
    effects: [event('exception_granted', request.principal, summary, now)],
  };
}

export function revokeException(
  o: OverridesState,
  request: { id: string; principal: string; reason: string },
  scope: string,
  now: number,
): Outcome<ActionAnswer> {
  const record = o.exceptions.find(
    (e) => e.spec.id === request.id && (e.status === 'active' || e.status === 'proposed'),
  );
  if (record === undefined) return refused(o, `no active exception ${request.id} in ${scope}`);
  record.status = 'revoked';
  record.endedAt = now;
  record.endedBy = request.principal;
  const summary = `${request.principal} revoked exception ${request.id} of ${scope}: ${request.reason}`;
  return {
    answer: { ok: true, message: summary },
    effects: [event('exception_revoked', request.principal, summary, now)],
  };
}

export function activeExceptions(o: OverridesState, now: number): ActiveException[] {
  return o.exceptions
    .filter((e) => e.status === 'active' && e.expiresAt > now)
    .map((e) => ({
      id: e.spec.id,
      scope: e.scope,
      owner: e.spec.owner,
      justification: e.spec.justification,
      match: e.spec.match,
      effect: e.spec.effect,
      approvedBy: e.approvedBy,
      expiresAt: e.spec.expiresAt,
      ...(e.spec.incident === undefined ? {} : { incident: e.spec.incident }),
      ...(e.spec.change === undefined ? {} : { change: e.spec.change }),
    }));
}

export interface FreezeView {
  readonly scope: string;
  readonly by: string;
  readonly reason: string;
  readonly since: string;
  readonly until: string | null;
  readonly incident: string | null;
}

export function activeFreezeViews(o: OverridesState, scope: string, now: number): FreezeView[] {
  return activeFreezes(o, now).map((f) => ({
    scope,
    by: f.by,
    reason: f.reason,
    since: iso(f.since),
    until: f.until === null ? null : iso(f.until),
    incident: f.incident,
  }));
}

/**
 * Time passing for overrides: freezes that reached --until end, break-glass grants expire (opening
 * their reviews), reviews are reminded and fall overdue, exceptions warn their owner, ask for
 * review and expire. Returns the effects and when it next has something to do.
 */
export function overrideTimers(
  o: OverridesState,
  scope: string,
  now: number,
): { effects: Effect[]; nextAt: number[] } {
  const effects: Effect[] = [];
  const nextAt: number[] = [];
  const ended = o.freezes.filter((f) => f.until !== null && f.until <= now);
  if (ended.length > 0) {
    o.freezes = o.freezes.filter((f) => !ended.includes(f));
    for (const f of ended)
      effects.push(
        event(
          'freeze_ended',
          'countersign',
          `the freeze of ${scope} by ${f.by} reached its end (${iso(f.until as number)})`,
          now,
        ),
      );
    effects.push(...thawIfClear(o, now));
  }
  for (const f of o.freezes) if (f.until !== null) nextAt.push(f.until);

  for (const grant of o.grants)
    if (grant.endedAt === null) {
      if (grant.expiresAt <= now) effects.push(...endGrant(o, grant, 'countersign', 'expired', scope, now));
      else nextAt.push(grant.expiresAt);
    }
  for (const review of o.reviews) {
    if (review.status !== 'open' && review.status !== 'overdue') continue;
    const grant = o.grants.find((g) => g.id === review.grantId);
    const stages = grant?.review.escalation ?? [];
    const stage = stages[review.remindersSent];
    if (stage !== undefined) {
      const at = review.openedAt + stage.afterSeconds * 1000;
      if (at <= now) {
        review.remindersSent += 1;
        effects.push(
          event(
            'review_escalated',
            'countersign',
            `the retroactive review of ${review.grantId} is still open (due ${iso(review.dueAt)})`,
            now,
          ),
          {
            kind: 'escalate',
            notify: stage.notify,
            what: `retroactive review of break-glass ${review.grantId} (${review.holder}) in ${scope}`,
            risk: 'changes made without a second approver are not yet reviewed',
            howToDecide: `countersign break-glass review ${review.grantId} --scope ${scope} --approve|--reject --key <key> --reason "..."`,
            why: `${review.changes.length} change(s) made without a second approver: ${review.changes.join(', ') || 'none'}`,
          },
        );
      } else nextAt.push(at);
    }
    if (review.status === 'open') {
      if (review.dueAt <= now) {
        review.status = 'overdue';
        review.overdue = true;
        o.counters.reviewsOverdue += 1;
        effects.push(
          event(
            'review_overdue',
            'countersign',
            `the retroactive review of ${review.grantId} (${review.holder}) is overdue since ${iso(review.dueAt)}`,
            now,
          ),
          {
            kind: 'escalate',
            notify: stages.at(-1)?.notify ?? ['sre'],
            what: `the retroactive review of break-glass ${review.grantId} in ${scope} is overdue`,
            risk: 'an overdue review is counted and stays in the evidence',
            howToDecide: `countersign break-glass review ${review.grantId} --scope ${scope} --approve|--reject --key <key> --reason "..."`,
            why: `due ${iso(review.dueAt)}; ${review.changes.length} change(s) under it`,
          },
        );
      } else nextAt.push(review.dueAt);
    }
  }

  for (const e of o.exceptions) {
    if (e.status === 'proposed' && e.expiresAt <= now) {
      e.status = 'expired';
      e.endedAt = now;
      effects.push(
        event(
          'exception_expired',
          'countersign',
          `proposed exception ${e.spec.id} expired before a second approval`,
          now,
        ),
      );
      continue;
    }
    if (e.status !== 'active') continue;
    if (e.expiresAt <= now) {
      e.status = 'expired';
      e.endedAt = now;
      o.counters.exceptionsExpired += 1;
      effects.push(
        event(
          'exception_expired',
          'countersign',
          `exception ${e.spec.id} of ${scope} expired; it no longer applies`,
          now,
        ),
        {
          kind: 'escalate',
          notify: [e.spec.owner],
          what: `exception ${e.spec.id} in ${scope} expired`,
          why: `owner ${e.spec.owner}; grant a new one if it is still needed`,
        },
      );
      continue;
    }
    const noticeAt = e.expiresAt - e.noticeSeconds * 1000;
    if (!e.noticeSent && noticeAt <= now) {
      e.noticeSent = true;
      effects.push(
        event(
          'exception_expiring',
          'countersign',
          `exception ${e.spec.id} of ${scope} expires at ${e.spec.expiresAt}`,
          now,
        ),
        {
          kind: 'escalate',
          notify: [e.spec.owner],
          what: `exception ${e.spec.id} in ${scope} expires at ${e.spec.expiresAt}`,
          why: e.spec.justification,
        },
      );
    } else if (!e.noticeSent) nextAt.push(noticeAt);
    if (e.nextReviewAt <= now) {
      e.nextReviewAt = now + e.reviewEverySeconds * 1000;
      effects.push(
        event(
          'exception_review_due',
          'countersign',
          `exception ${e.spec.id} of ${scope}: review due for ${e.spec.owner}`,
          now,
        ),
        {
          kind: 'escalate',
          notify: [e.spec.owner],
          what: `review exception ${e.spec.id} in ${scope} (${describeEffect(e.spec.effect)})`,
          why: `scheduled review every ${formatDuration(e.reviewEverySeconds)}; revoke it if it is no longer needed`,
        },
      );
    }
    nextAt.push(e.expiresAt, e.nextReviewAt);
  }

  // A change let go after a freeze that never came back for its turn does not hold the rest.
  const head = o.thawing[0];
  const thawLeaseMs = 10 * 60_000;
  if (head !== undefined) {
    if (now >= o.thawHeadSince + thawLeaseMs) effects.push(...leaveFreeze(o, head, now));
    else nextAt.push(o.thawHeadSince + thawLeaseMs);
  }
  // Finished records stay a while for status and evidence, then go.
  const done = (e: { status: string }) => e.status === 'expired' || e.status === 'revoked';
  while (o.exceptions.filter(done).length > finishedKept)
    o.exceptions.splice(o.exceptions.findIndex(done), 1);
  const closed = (r: RetroReview) => r.status === 'approved' || r.status === 'rejected';
  while (o.reviews.filter(closed).length > finishedKept) {
    const gone = o.reviews.splice(o.reviews.findIndex(closed), 1)[0] as RetroReview;
    o.grants = o.grants.filter((g) => g.id !== gone.grantId);
  }
  return { effects, nextAt };
}

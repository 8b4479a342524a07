import { formatDuration } from '../policy/duration';
import type { EvidenceEntry } from '../evidence/chain';
import type { BreakerState, Counters, GovernorState } from './governor-state';
import { fitsAt, used, unbudgetedWindowSeconds } from './ledger';
import { budgetKinds } from './limits';
import type { BudgetKind } from './limits';
import type { OverridesStatus } from '../overrides/overrides-status';
import { overridesStatus, renderOverrides } from '../overrides/overrides-status';
import { hashOf } from '../hash';
import type { Scope } from './scope';
import { describeScope, formatScope } from './scope';

/** What `countersign governor status <scope>` shows (and prints with --json). */
export interface GovernorStatus {
  readonly scope: Scope;
  readonly workflowId: string;
  readonly policyVersion: string | null;
  readonly budgets: readonly {
    readonly kind: BudgetKind;
    readonly used: number;
    readonly limit: number | null;
    readonly window: string;
    readonly resetsAt: string | null;
  }[];
  readonly queue: readonly { readonly changeId: string; readonly position: number; readonly since: string }[];
  readonly locks: readonly {
    readonly rrset: string;
    readonly holder: string;
    readonly since: string;
    readonly leaseUntil: string;
    readonly waiters: readonly string[];
  }[];
  readonly breaker: {
    readonly state: BreakerState;
    readonly since: string | null;
    readonly failuresInWindow: number;
    readonly threshold: number | null;
    readonly why: string | null;
  };
  readonly inFlight: number;
  /** Changes of this scope waiting for people (an approval request is open), oldest first. */
  readonly awaitingApproval: readonly { readonly changeId: string; readonly since: string }[];
  readonly counters: Counters;
  readonly recentAdmissions: readonly {
    readonly changeId: string;
    readonly at: string;
    readonly by: string;
  }[];
  readonly events: readonly EvidenceEntry[];
  /** Runs of this governor so far (it continues-as-new to keep its history short). */
  readonly run: number;
  /** Freezes, incidents, break-glass and exceptions; absent from governors of older versions. */
  readonly overrides?: OverridesStatus;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function governorStatus(
  state: GovernorState,
  context: { workflowId: string; events: readonly EvidenceEntry[]; run: number },
  now: number,
): GovernorStatus {
  const limits = state.limits;
  return {
    scope: state.scope,
    workflowId: context.workflowId,
    policyVersion: limits?.policyVersion ?? null,
    budgets: budgetKinds.map((kind) => {
      const budget = limits?.budgets[kind];
      const windowSeconds = budget?.windowSeconds ?? unbudgetedWindowSeconds;
      const spent = used(state.charges, kind, windowSeconds, now);
      const next = budget === undefined ? null : fitsAt(state.charges, kind, budget, 1, now);
      return {
        kind,
        used: spent,
        limit: budget?.limit ?? null,
        window: formatDuration(windowSeconds),
        resetsAt: next === null || next <= now ? null : iso(next),
      };
    }),
    queue: state.queue.map((q, i) => ({ changeId: q.changeId, position: i + 1, since: iso(q.at) })),
    locks: Object.entries(state.locks).map(([rrset, lock]) => ({
      rrset,
      holder: lock.holder,
      since: iso(lock.since),
      leaseUntil: iso(lock.expiresAt),
      waiters: lock.waiters,
    })),
    breaker: {
      state: state.breaker.state,
      since: state.breaker.since === 0 ? null : iso(state.breaker.since),
      failuresInWindow: limits?.breaker
        ? state.breaker.failures.filter((f) => f.at > now - (limits.breaker?.windowSeconds ?? 0) * 1000)
            .length
        : state.breaker.failures.length,
      threshold: limits?.breaker?.failures ?? null,
      why: state.breaker.why,
    },
    inFlight: Object.keys(state.changes).length,
    awaitingApproval: Object.entries(state.changes)
      .filter(([, c]) => c.awaitingApprovalSince !== null)
      .sort(([, a], [, b]) => (a.awaitingApprovalSince ?? 0) - (b.awaitingApprovalSince ?? 0))
      .map(([changeId, c]) => ({ changeId, since: iso(c.awaitingApprovalSince ?? 0) })),
    counters: state.counters,
    recentAdmissions: state.recentAdmissions.map((a) => ({ ...a, at: iso(a.at) })),
    events: context.events.slice(-20),
    run: context.run,
    ...(state.overrides === undefined
      ? {}
      : { overrides: overridesStatus(state.overrides, formatScope(state.scope), now, hashOf) }),
  };
}

/** The status as a person reads it in a terminal. */
export function renderGovernorStatus(status: GovernorStatus): string {
  const lines = [
    `governor of ${describeScope(status.scope)} (${formatScope(status.scope)}), policy ${status.policyVersion ?? '(not yet asked)'}`,
    '',
    'budgets (rolling windows):',
  ];
  for (const b of status.budgets)
    lines.push(
      `  ${b.kind.padEnd(20)} ${String(b.used).padStart(5)} of ${b.limit === null ? 'unlimited' : String(b.limit)} per ${b.window}${b.resetsAt === null ? '' : `, next frees ${b.resetsAt}`}`,
    );
  const breaker = status.breaker;
  lines.push(
    '',
    `circuit breaker: ${breaker.state.replace('_', '-')}${breaker.threshold === null ? ' (none configured)' : `, ${breaker.failuresInWindow} of ${breaker.threshold} failures in window`}${breaker.why === null ? '' : `: ${breaker.why}`}`,
  );
  if (breaker.state !== 'closed')
    lines.push(
      `  reset after checking: countersign governor reset ${formatScope(status.scope)} --key <key file> --reason "..."`,
    );
  lines.push('', `review queue: ${status.queue.length === 0 ? 'empty' : `${status.queue.length} waiting`}`);
  for (const q of status.queue.slice(0, 20))
    lines.push(`  ${String(q.position).padStart(3)}. ${q.changeId} since ${q.since}`);
  if (status.queue.length > 20) lines.push(`  ... and ${status.queue.length - 20} more (--json lists all)`);
  if (status.queue.length > 0)
    lines.push('  admit one now: countersign governor admit <change id> --key <key file> --reason "..."');
  lines.push(
    '',
    `awaiting approval: ${status.awaitingApproval.length === 0 ? 'none' : `${status.awaitingApproval.length}`}`,
  );
  for (const a of status.awaitingApproval.slice(0, 20)) lines.push(`  ${a.changeId} since ${a.since}`);
  if (status.awaitingApproval.length > 20)
    lines.push(`  ... and ${status.awaitingApproval.length - 20} more (--json lists all)`);
  if (status.awaitingApproval.length > 0)
    lines.push(
      '  review one: countersign status <change id>; countersign pending --key <key file> lists yours',
    );
  lines.push('', `rrset locks: ${status.locks.length === 0 ? 'none held' : ''}`);
  for (const l of status.locks)
    lines.push(
      `  ${l.rrset} held by ${l.holder} since ${l.since}${l.waiters.length === 0 ? '' : `; waiting: ${l.waiters.join(', ')}`}`,
    );
  if (status.overrides !== undefined) lines.push(...renderOverrides(status.overrides));
  const c = status.counters;
  lines.push(
    '',
    `in flight ${status.inFlight} · admitted ${c.admitted} (${c.humanAdmitted} by a person) · queued ${c.queued} · re-routed to approval ${c.rerouted} · flagged ${c.flagged} · escalations held back ${c.escalationsSuppressed} · breaker opened ${c.breakerOpened} · leases expired ${c.leasesExpired}`,
  );
  if (status.events.length > 0) {
    lines.push('', 'recent events:');
    for (const e of status.events.slice(-10)) lines.push(`  ${e.at} ${e.actor}: ${e.summary}`);
  }
  return lines.join('\n');
}

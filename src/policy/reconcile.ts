import type { Decision } from './decision';
import { tierRank } from './decision';
import { seatsFilled, seatsOf } from '../approvals/role-matching';

/**
 * What to do when the policy is evaluated again just before execution. The stricter of the two
 * decisions applies: a looser policy never relaxes a change already decided, a stricter one may
 * block it, or ask for more than was gathered (approvals already counted still count).
 */
export type Reconciled =
  | { readonly action: 'proceed'; readonly decision: Decision; readonly changed: boolean }
  | { readonly action: 'block'; readonly decision: Decision }
  | { readonly action: 'approve_again'; readonly decision: Decision };

export function isStricter(current: Decision, decided: Decision): boolean {
  const decidedRoles = new Map(decided.approvals.roles.map((r) => [r.role, r.count]));
  return (
    tierRank(current.tier) > tierRank(decided.tier) ||
    current.approvals.count > decided.approvals.count ||
    current.coolingOffSeconds > decided.coolingOffSeconds ||
    // Same count, other roles: a requirement the approvals gathered may not meet.
    current.approvals.roles.some((r) => r.count > (decidedRoles.get(r.role) ?? 0))
  );
}

/**
 * `counted`: how many approvals were counted, or (with verified approvals) each approver's roles,
 * so a stricter role requirement is checked seat by seat.
 */
export function reconcile(
  decided: Decision,
  current: Decision,
  counted: number | readonly (readonly string[] | undefined)[],
): Reconciled {
  if (current.route === 'blocked') return { action: 'block', decision: current };
  if (!isStricter(current, decided))
    return { action: 'proceed', decision: decided, changed: current.policyHash !== decided.policyHash };
  const seats = seatsOf(current.approvals.count, typeof counted === 'number' ? [] : current.approvals.roles);
  const filled = typeof counted === 'number' ? Math.min(counted, seats.length) : seatsFilled(seats, counted);
  const satisfied =
    current.route === 'auto' ||
    (filled >= seats.length && current.coolingOffSeconds <= decided.coolingOffSeconds);
  const merged = mergeStricter(decided, current);
  return satisfied
    ? { action: 'proceed', decision: merged, changed: true }
    : { action: 'approve_again', decision: merged };
}

/**
 * The stricter of two decisions, field by field: a new policy that is stricter in one respect must
 * not relax another (a tier 3 delay survives a new tier 2 role demand). Identity and reasons are
 * the current policy's.
 */
export function mergeStricter(decided: Decision, current: Decision): Decision {
  const roles = new Map<string, number>();
  for (const r of [...decided.approvals.roles, ...current.approvals.roles])
    roles.set(r.role, Math.max(roles.get(r.role) ?? 0, r.count));
  const tier = tierRank(decided.tier) > tierRank(current.tier) ? decided.tier : current.tier;
  // Only channels both decisions accept (absent channels: the unverified model of older histories).
  const channels =
    current.channels === undefined && decided.channels === undefined
      ? undefined
      : (current.channels ?? ['signed']).filter((c) => (decided.channels ?? ['signed', 'ui']).includes(c));
  return {
    ...current,
    tier,
    route: tierRank(decided.tier) > tierRank(current.tier) ? decided.route : current.route,
    approvals: {
      count: Math.max(decided.approvals.count, current.approvals.count),
      roles: [...roles.entries()].map(([role, count]) => ({ role, count })),
    },
    coolingOffSeconds: Math.max(decided.coolingOffSeconds, current.coolingOffSeconds),
    approvalExpirySeconds: Math.min(decided.approvalExpirySeconds, current.approvalExpirySeconds),
    executionWindowSeconds: Math.min(decided.executionWindowSeconds, current.executionWindowSeconds),
    ...(channels === undefined ? {} : { channels }),
  };
}

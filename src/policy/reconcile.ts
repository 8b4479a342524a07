import type { Decision } from './decision';
import { tierRank } from './decision';

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

export function reconcile(decided: Decision, current: Decision, approvalsCounted: number): Reconciled {
  if (current.route === 'blocked') return { action: 'block', decision: current };
  if (!isStricter(current, decided))
    return { action: 'proceed', decision: decided, changed: current.policyHash !== decided.policyHash };
  const satisfied =
    current.route === 'auto' ||
    (approvalsCounted >= current.approvals.count && current.coolingOffSeconds <= decided.coolingOffSeconds);
  return satisfied
    ? { action: 'proceed', decision: current, changed: true }
    : { action: 'approve_again', decision: current };
}

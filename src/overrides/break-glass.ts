import type { Decision } from '../policy/decision';
import type { BreakGlassView } from './overrides-state';

/**
 * The decision a change runs under once a break-glass holder approved it: one approver suffices
 * and the cooling-off is waived (the retroactive review stands in for both). Never-allowed and
 * blocked stay blocked; staging, compare-and-set, verification and rollback are untouched.
 */
export function underBreakGlass(decision: Decision, grant: BreakGlassView): Decision {
  if (decision.route !== 'approval') return decision;
  if (decision.reasons.some((r) => r.rule === 'override.break_glass')) return decision;
  return {
    ...decision,
    approvals: { count: 1, roles: [] },
    coolingOffSeconds: 0,
    reasons: [
      ...decision.reasons,
      {
        rule: 'override.break_glass',
        path: 'overrides.breakGlass',
        value: grant.id,
        message: `approved by ${grant.holder} under break-glass ${grant.id} (${grant.scope}) until ${grant.expiresAt}: no second approver and no cooling-off; a different operator reviews it afterwards`,
      },
    ],
  };
}

/** A grant still in force at `now` (it expires on the governor's timer; this is the change's own check). */
export function grantInForce(grant: BreakGlassView | null, now: number): grant is BreakGlassView {
  return grant !== null && now < Date.parse(grant.expiresAt);
}

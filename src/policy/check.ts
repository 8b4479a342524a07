import type { Plan } from '../plan/plan';
import { recordsTouched } from '../plan/plan';
import type { Recommendation } from '../schema/recommendation';
import type { Decision, Reason, Tier } from './decision';
import { routeOf, stricterTier, tierRank } from './decision';

/**
 * The checks that need the staged plan: two-key (a change runs by itself only when confidence is
 * high AND scope is low) and the blast radius of the plan. They can only raise the tier.
 */
export interface CheckLimits {
  /** Minimum confidence for any automatic execution. */
  readonly autoMinConfidence: number;
  /** Records a plan may touch and still run automatically. */
  readonly autoMaxRecordsTouched: number;
  /** Records a plan may touch at all (a per-change budget until the zone governor exists). */
  readonly maxRecordsTouched: number;
}

export const defaultCheckLimits: CheckLimits = {
  autoMinConfidence: 0.9,
  autoMaxRecordsTouched: 10,
  maxRecordsTouched: 100,
};

export function checkPlan(
  rec: Recommendation,
  decision: Decision,
  plan: Plan,
  limits: CheckLimits = defaultCheckLimits,
): Decision {
  const extra: { tier: Tier; reason: Reason }[] = [];
  const touched = recordsTouched(plan);
  if (touched > limits.maxRecordsTouched) {
    extra.push({
      tier: 'blocked',
      reason: {
        rule: 'check.budget',
        path: 'plan',
        value: String(touched),
        threshold: `> ${limits.maxRecordsTouched}`,
        message: 'the plan touches more records than one change may',
      },
    });
  }
  if (decision.route === 'auto') {
    if (rec.confidence < limits.autoMinConfidence) {
      extra.push({
        tier: 2,
        reason: {
          rule: 'check.two_key.confidence',
          path: 'confidence',
          value: String(rec.confidence),
          threshold: `< ${limits.autoMinConfidence}`,
          message: 'automatic execution needs high confidence',
        },
      });
    }
    if (touched > limits.autoMaxRecordsTouched) {
      extra.push({
        tier: 2,
        reason: {
          rule: 'check.two_key.scope',
          path: 'plan',
          value: String(touched),
          threshold: `> ${limits.autoMaxRecordsTouched}`,
          message: 'automatic execution needs a small scope',
        },
      });
    }
    if (plan.operation === 'delete') {
      extra.push({
        tier: 2,
        reason: {
          rule: 'check.two_key.delete',
          path: 'plan.operation',
          value: 'delete',
          message: 'deletions are never automatic',
        },
      });
    }
  }
  const tier = extra.reduce<Tier>((acc, e) => stricterTier(acc, e.tier), decision.tier);
  if (tierRank(tier) === tierRank(decision.tier)) return decision;
  const approvals =
    tier === 3 ? 2 : tier === 2 ? Math.max(1, decision.approvals.count) : decision.approvals.count;
  return {
    ...decision,
    tier,
    route: routeOf(tier),
    approvals: { ...decision.approvals, count: approvals },
    notify: true,
    reasons: [...decision.reasons, ...extra.filter((e) => e.tier === tier).map((e) => e.reason)],
  };
}

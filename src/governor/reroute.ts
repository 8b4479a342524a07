import type { Decision, Tier } from '../policy/decision';
import { stricterTier } from '../policy/decision';
import type { Flag } from './governor-state';
import type { Hold } from './hold';
import { holdReason } from './hold';

/**
 * The decision an automatic change runs under once the governor re-routed it: not dropped, not
 * executed, but waiting for approval ("proposal-only"), with the hold among its reasons. Flags raise
 * the tier to what the policy says. A blocked decision stays blocked.
 */
export function proposalOnly(decision: Decision, hold: Hold | null, flags: readonly Flag[]): Decision {
  if (decision.route === 'blocked') return decision;
  let tier: Tier = decision.tier;
  for (const flag of flags) tier = stricterTier(tier, flag.tier);
  if (hold !== null) tier = stricterTier(tier, 2);
  if (tier === decision.tier && hold === null) return decision;
  const reasons = [
    ...decision.reasons,
    ...flags.map((flag) => ({
      rule: `governor.flapping.${flag.kind}`,
      path: 'governor.flapping',
      value: flag.kind,
      message: flag.message,
      threshold: `tier ${flag.tier}`,
    })),
    ...(hold === null || hold.code === 'flapping' ? [] : [holdReason(hold)]),
  ];
  return {
    ...decision,
    tier,
    route: 'approval',
    notify: false,
    approvals: {
      count: Math.max(decision.approvals.count, tier === 3 ? 2 : 1),
      roles: decision.approvals.roles,
    },
    reasons,
  };
}

import type { ActiveException } from '../overrides/exception';
import { describeEffect } from '../overrides/describe-effect';
import type { Reason, Tier } from './decision';
import type { Facts } from './facts';
import { globMatches } from './glob';

/**
 * Which active exceptions apply to a change: its scope (zone, tenant or everything) and every
 * condition of its match hold. A condition on a fact not known yet (no plan) does not hold.
 */
export function exceptionApplies(exception: ActiveException, facts: Facts): boolean {
  const scope = exception.scope;
  if (scope.startsWith('zone:') && scope.slice(5).toLowerCase() !== facts.zone) return false;
  if (scope.startsWith('tenant:') && scope.slice(7) !== facts.tenant) return false;
  if (Date.parse(exception.expiresAt) <= facts.now.getTime()) return false;
  const m = exception.match;
  if (m.kinds !== undefined && !m.kinds.includes(facts.kind)) return false;
  if (m.types !== undefined && !(m.types as readonly string[]).includes(facts.type)) return false;
  if (m.environments !== undefined && !(m.environments as readonly string[]).includes(facts.environment))
    return false;
  if (m.names !== undefined && !m.names.some((g) => globMatches(g, facts.name))) return false;
  if (m.ttlOnly !== undefined && facts.ttlOnly !== m.ttlOnly) return false;
  return true;
}

export function exceptionReason(exception: ActiveException): Reason {
  return {
    rule: `exception.${exception.id}`,
    path: `exceptions (${exception.scope})`,
    value: describeEffect(exception.effect),
    message: `exception ${exception.id} owned by ${exception.owner}, approved by ${exception.approvedBy.join(' and ')}, until ${exception.expiresAt}: ${exception.justification}`,
  };
}

export interface ExceptionsApplied {
  /** The loosest tier a matching loosening exception allows, or null. */
  readonly loosenTo: Tier | null;
  readonly loosening: readonly ActiveException[];
  /** The strictest tier a matching tightening exception demands, or null. */
  readonly tightenTo: Tier | null;
  readonly tightening: readonly ActiveException[];
}

const rank: Record<string, number> = { '0': 0, '1': 1, '2': 2, '3': 3, blocked: 4 };

export function exceptionsFor(exceptions: readonly ActiveException[], facts: Facts): ExceptionsApplied {
  const applying = exceptions.filter((e) => exceptionApplies(e, facts));
  const loosening = applying.filter((e) => e.effect.direction === 'loosen');
  const tightening = applying.filter((e) => e.effect.direction === 'tighten');
  const pick = (list: readonly ActiveException[], better: (a: number, b: number) => boolean): Tier | null =>
    list.reduce<Tier | null>(
      (acc, e) =>
        acc === null || better(rank[String(e.effect.tier)] as number, rank[String(acc)] as number)
          ? e.effect.tier
          : acc,
      null,
    );
  return {
    loosenTo: pick(loosening, (a, b) => a < b),
    loosening,
    tightenTo: pick(tightening, (a, b) => a > b),
    tightening,
  };
}

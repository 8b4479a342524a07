import { parseDuration } from '../policy/duration';
import type { Policy, ScopeRules } from '../policy/policy-schema';
import type { OverrideLimits } from '../overrides/override-limits';
import { overrideLimitsOf, overridesEnabled } from '../overrides/override-limits';
import type { Scope } from './scope';

export const budgetKinds = [
  'proposals',
  'automaticExecutions',
  'approvedExecutions',
  'escalations',
  'recordsTouched',
] as const;
export type BudgetKind = (typeof budgetKinds)[number];

export interface BudgetLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface BreakerLimits {
  readonly failures: number;
  readonly windowSeconds: number;
  readonly halfOpenAfterSeconds: number | null;
  /** Empty: any human approver may reset. */
  readonly resetRoles: readonly string[];
  readonly notify: readonly string[];
}

export interface FlappingLimits {
  readonly repeats: number;
  readonly windowSeconds: number;
  readonly reversalWindowSeconds: number;
  readonly tier: 2 | 3;
}

/** What one governor enforces, derived from the policy in force when it was asked. */
export interface ScopeLimits {
  readonly policyVersion: string;
  readonly budgets: Partial<Record<BudgetKind, BudgetLimit>>;
  readonly breaker: BreakerLimits | null;
  readonly flapping: FlappingLimits | null;
  readonly leaseSeconds: number;
  /** Who may override what (freeze-override roles, incident exemptions); absent in older histories. */
  readonly overrides?: OverrideLimits;
}

const defaultLeaseSeconds = 600;

/** The scope's rules: per-zone (per-tenant) entries replace the defaults budget by budget. */
function rulesFor(policy: Policy, scope: Scope): ScopeRules {
  const governor = policy.governor;
  if (governor === undefined) return {};
  if (scope.kind === 'global') return governor.global ?? {};
  const base = scope.kind === 'zone' ? governor.zone : governor.tenant;
  const specific = (scope.kind === 'zone' ? governor.zones : governor.tenants)?.[scope.name];
  return {
    budgets: { ...base?.budgets, ...specific?.budgets },
    ...((specific?.breaker ?? base?.breaker) === undefined
      ? {}
      : { breaker: specific?.breaker ?? base?.breaker }),
  };
}

export function limitsFor(policy: Policy, scope: Scope): ScopeLimits {
  const rules = rulesFor(policy, scope);
  const budgets: Partial<Record<BudgetKind, BudgetLimit>> = {};
  for (const kind of budgetKinds) {
    const budget = rules.budgets?.[kind];
    if (budget !== undefined)
      budgets[kind] = { limit: budget.limit, windowSeconds: parseDuration(budget.window) };
  }
  const breaker = rules.breaker;
  const flapping = policy.governor?.flapping;
  return {
    policyVersion: policy.version,
    budgets,
    breaker:
      breaker === undefined
        ? null
        : {
            failures: breaker.failures,
            windowSeconds: parseDuration(breaker.window),
            halfOpenAfterSeconds:
              breaker.halfOpenAfter === undefined ? null : parseDuration(breaker.halfOpenAfter),
            resetRoles: breaker.resetRoles ?? [],
            notify: breaker.notify ?? ['sre'],
          },
    // RRsets live in zones: flapping is judged by the zone's governor only.
    flapping:
      flapping === undefined || scope.kind !== 'zone'
        ? null
        : {
            repeats: flapping.repeats,
            windowSeconds: parseDuration(flapping.window),
            reversalWindowSeconds: parseDuration(flapping.reversalWindow),
            tier: flapping.tier,
          },
    leaseSeconds:
      policy.governor?.lease === undefined ? defaultLeaseSeconds : parseDuration(policy.governor.lease),
    overrides: overrideLimitsOf(policy),
  };
}

/** Whether asking this scope's governor can change anything: zones always (RRset locks). */
export function scopeIsGoverned(limits: ScopeLimits, scope: Scope): boolean {
  return (
    scope.kind === 'zone' ||
    Object.keys(limits.budgets).length > 0 ||
    limits.breaker !== null ||
    // A scope may be frozen, or hold break-glass grants and exceptions, whatever its budgets.
    overridesEnabled(limits.overrides)
  );
}

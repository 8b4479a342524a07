/** Risk tier: 0 auto · 1 auto + notify · 2 one approval · 3 dual control + cooling-off · blocked. */
export type Tier = 0 | 1 | 2 | 3 | 'blocked';
export type Route = 'auto' | 'approval' | 'blocked';

/** Why a decision came out as it did, shaped like a validation issue. */
export interface Reason {
  readonly rule: string;
  readonly path: string;
  readonly value: string;
  readonly message: string;
  readonly threshold?: string;
}

export interface RoleCount {
  readonly role: string;
  readonly count: number;
}

export interface EscalationStep {
  readonly afterSeconds: number;
  readonly notify: readonly string[];
}

export interface Decision {
  readonly policyVersion: string;
  /** SHA-256 of the policy's canonical content: which exact policy decided. */
  readonly policyHash: string;
  readonly tier: Tier;
  readonly route: Route;
  /** Distinct humans needed, and per role how many of them must hold it (empty: any approver). */
  readonly approvals: { readonly count: number; readonly roles: readonly RoleCount[] };
  readonly coolingOffSeconds: number;
  readonly approvalExpirySeconds: number;
  /** What happens when nobody decides in time. Fail closed: the only option. */
  readonly onExpiry: 'reject';
  /** How long after the final approval execution may start. */
  readonly executionWindowSeconds: number;
  /** How long a written change is re-verified while servers do not answer, before escalating; absent in older histories. */
  readonly verificationPatienceSeconds?: number;
  readonly escalation: readonly EscalationStep[];
  /** Channels whose approvals count: `signed` always; `ui` (Temporal UI signal) where the policy allows. */
  readonly channels?: readonly ('signed' | 'ui')[];
  readonly notify: boolean;
  readonly reasons: readonly Reason[];
}

const order: Record<string, number> = { '0': 0, '1': 1, '2': 2, '3': 3, blocked: 4 };

export function tierRank(tier: Tier): number {
  return order[String(tier)] as number;
}

export function stricterTier(a: Tier, b: Tier): Tier {
  return tierRank(a) >= tierRank(b) ? a : b;
}

export function routeOf(tier: Tier): Route {
  if (tier === 'blocked') return 'blocked';
  return tier <= 1 ? 'auto' : 'approval';
}

export function describeTier(tier: Tier): string {
  switch (tier) {
    case 0:
      return 'tier 0 (automatic)';
    case 1:
      return 'tier 1 (automatic, with notification)';
    case 2:
      return 'tier 2 (one approval)';
    case 3:
      return 'tier 3 (dual control and cooling-off delay)';
    case 'blocked':
      return 'blocked';
  }
}

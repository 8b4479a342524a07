import type { Reason } from '../policy/decision';

/**
 * Why the governor holds or re-routes a change, said so a person can act on it: which limit, in
 * which scope, the count against it, when it resets, and what can be done now. Shown on the
 * decision card, by `countersign status` and `governor status`, and kept in the evidence.
 */
export interface Hold {
  readonly code: 'budget' | 'queue' | 'lock' | 'breaker' | 'flapping' | 'freeze';
  /** `zone example.com.`, `tenant acme`, `all changes`. */
  readonly scope: string;
  /** The budget kind, or `rrset lock`, `circuit breaker`, `flapping`. */
  readonly limit: string;
  /** The policy key that sets the limit, for whoever would change it. */
  readonly policyKey?: string;
  readonly used?: number;
  readonly max?: number;
  readonly window?: string;
  /** When the limit next allows this change (ISO), or null when only a person can free it. */
  readonly resetsAt?: string | null;
  /** Place in the queue (1 = next), for queued changes and lock waiters. */
  readonly position?: number;
  readonly message: string;
  readonly whatToDo: readonly string[];
}

/** A hold in the shape of a policy reason, so re-routed decisions explain themselves the same way. */
export function holdReason(hold: Hold): Reason {
  return {
    rule: `governor.${hold.code}`,
    path: hold.policyKey ?? hold.scope,
    value:
      hold.used !== undefined && hold.max !== undefined
        ? `${hold.used} of ${hold.max}${hold.window === undefined ? '' : ` per ${hold.window}`}`
        : hold.limit,
    message: `${hold.message}${hold.resetsAt === undefined || hold.resetsAt === null ? '' : ` (resets ${hold.resetsAt})`}`,
    ...(hold.max === undefined
      ? {}
      : { threshold: `${hold.max}${hold.window === undefined ? '' : ` per ${hold.window}`}` }),
  };
}

/** One line for logs, search attributes and the card's headline. */
export function holdHeadline(hold: Hold): string {
  const count = hold.used !== undefined && hold.max !== undefined ? ` ${hold.used}/${hold.max}` : '';
  const position = hold.position === undefined ? '' : ` #${hold.position}`;
  return `${hold.code}:${hold.limit}${count}${position} (${hold.scope})`;
}

/** The search-attribute value: stable enough to filter on (`queue:proposals`, `lock:rrset lock`). */
export function holdKeyword(hold: Hold): string {
  return `${hold.code}:${hold.limit}`;
}

/** What a governor operation asks its workflow to carry out, and the events it keeps as evidence. */
export interface GovernorEvent {
  readonly at: number;
  readonly kind:
    | 'breaker_opened'
    | 'breaker_half_open'
    | 'breaker_closed'
    | 'breaker_reset'
    | 'human_admitted'
    | 'lease_expired'
    | 'queue_dropped'
    | 'refused'
    | 'freeze_started'
    | 'freeze_ended'
    | 'freeze_released'
    | 'incident_opened'
    | 'incident_closed'
    | 'break_glass_started'
    | 'break_glass_used'
    | 'break_glass_ended'
    | 'review_opened'
    | 'review_escalated'
    | 'review_overdue'
    | 'review_completed'
    | 'exception_proposed'
    | 'exception_granted'
    | 'exception_revoked'
    | 'exception_expiring'
    | 'exception_review_due'
    | 'exception_expired';
  readonly actor: string;
  readonly summary: string;
}

export type Effect =
  | { readonly kind: 'nudge'; readonly changeId: string }
  | { readonly kind: 'check_holder'; readonly changeId: string; readonly rrset: string }
  | { readonly kind: 'event'; readonly event: GovernorEvent }
  | {
      readonly kind: 'escalate';
      readonly notify: readonly string[];
      readonly what: string;
      readonly why: string;
      /** Said to whoever is told; default: what an open circuit breaker means. */
      readonly risk?: string;
      readonly howToDecide?: string;
    };

export interface Outcome<A> {
  readonly answer: A;
  readonly effects: Effect[];
}

export function event(kind: GovernorEvent['kind'], actor: string, summary: string, now: number): Effect {
  return { kind: 'event', event: { at: now, kind, actor, summary } };
}

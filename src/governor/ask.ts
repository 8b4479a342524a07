import type { ActiveOverrides } from '../overrides/active-overrides';
import type { Flag } from './governor-state';
import type { Hold } from './hold';

/** Where a change is governed: its tenant and zone (plus the global scope). */
export interface GovernedTarget {
  readonly tenant: string;
  readonly zone: string;
}

interface AskBase {
  /** Unique per ask within the change (it becomes the update id): a retried activity is answered once. */
  readonly askId: string;
  readonly changeId: string;
  readonly target: GovernedTarget;
}

/** Permission to write a staged plan: the RRset it locks and what it spends. */
export interface PermitAsk {
  readonly route: 'auto' | 'approved';
  readonly rrset: string;
  readonly recordsTouched: number;
  readonly before: string;
  readonly after: string;
  /** The incident the change names; absent from changes started before overrides. */
  readonly incident?: string | null;
  readonly approverRoles?: readonly (readonly string[])[];
}

/** What a change workflow asks its governors (every scope that governs it, widest first). */
export type GovernorAsk =
  | (AskBase & {
      readonly op: 'admit';
      readonly rrset: string;
      /**
       * Also read the overrides in force in the change's scopes, while the governors answer: the
       * policy check after staging needs them, and one round trip is saved. Absent from changes
       * started before that; an activity that ignores it leaves `overrides` out of the reply.
       */
      readonly withOverrides?: boolean;
      /**
       * An automatic change staged before its admission: the write's permit, granted with the
       * admission where every scope admits (absent from changes started before that).
       */
      readonly permit?: PermitAsk;
    })
  | (AskBase & { readonly op: 'acquire' } & PermitAsk)
  | (AskBase & { readonly op: 'escalate'; readonly key: string })
  | (AskBase & {
      readonly op: 'review';
      /** Roles the approval request needs (names, sorted, unique); empty: any approver. Absent before roles were sent. */
      readonly roles?: readonly string[];
    })
  | (AskBase & {
      readonly op: 'release';
      readonly outcome: 'executed' | 'failed' | 'not_executed';
      readonly rrset: string;
      readonly before: string;
      readonly after: string;
      readonly summary: string;
    });

/**
 * The governors' combined answer. `go`: admitted, granted, allowed or done. `wait`: queued or
 * waiting for a lock or budget (a nudge, or `hold.resetsAt`, says when to ask again). `reroute`:
 * run as a proposal awaiting approval. `suppressed`: an escalation held back by its budget.
 */
export interface GovernorReply {
  readonly verdict: 'go' | 'wait' | 'reroute' | 'suppressed';
  readonly hold: Hold | null;
  readonly flags: readonly Flag[];
  /** An admission asked `withOverrides` and let go: the overrides in force as it was answered. */
  readonly overrides?: ActiveOverrides;
  /**
   * An admission asked with a permit: false while the change is queued (nothing was granted; the
   * hold is the queue's), true once admitted (the verdict is then the permit's).
   */
  readonly admitted?: boolean;
}

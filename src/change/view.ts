import type { ApprovalState, Exclusion } from '../approvals/reducer';
import type { EvidenceEntry } from '../evidence/chain';
import type { Flag } from '../governor/governor-state';
import type { Hold } from '../governor/hold';
import type { ActiveOverrides } from '../overrides/active-overrides';
import type { BreakGlassView } from '../overrides/overrides-state';
import type { Plan } from '../plan/plan';
import type { Decision } from '../policy/decision';
import type { Recommendation } from '../schema/recommendation';
import type { ChangeState } from './states';

/** What the `state` query returns and what `countersign status --json` prints. */
export interface ChangeView {
  readonly workflowId: string;
  readonly recommendation: Recommendation;
  readonly state: ChangeState;
  readonly decision: Decision | null;
  readonly plan: Plan | null;
  readonly approval: {
    readonly planHash: string;
    readonly required: number;
    readonly excluded: readonly Exclusion[];
    readonly expiresAt: string;
    readonly state: ApprovalState;
  } | null;
  readonly coolingOffUntil: string | null;
  readonly outcome: { readonly code: string; readonly message: string } | null;
  readonly evidenceHead: string;
  readonly evidenceLength: number;
  /** What the governors say of this change; absent in histories recorded before governors. */
  readonly governor?: {
    /** Why it waits right now (queued, lock, budget), or null. */
    readonly hold: Hold | null;
    /** Why it was re-routed from automatic to approval (proposal-only), or null. */
    readonly rerouted: Hold | null;
    readonly flags: readonly Flag[];
  };
  /** Freezes, break-glass and exceptions around this change; absent in histories recorded before them. */
  readonly overrides?: {
    /** In force in its scopes when it last asked (before its policy check). */
    readonly active: ActiveOverrides;
    /** The break-glass grant it was approved under, or null. */
    readonly breakGlass: BreakGlassView | null;
    /** Every override it ran under or was held by. */
    readonly marks: readonly string[];
  };
}

/** What the workflow returns when it closes. */
export interface ChangeResult {
  readonly view: ChangeView;
  readonly evidence: readonly EvidenceEntry[];
}

import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { SignedDecision } from '../src/approvals/signed-decision';
import type {
  AcquireAnswer,
  AdmitAnswer,
  AdmitWithPermitAnswer,
  EscalateAnswer,
  WithOverrides,
} from '../src/governor/governor-state';
import type { GovernorStatus } from '../src/governor/status';
import type { ActiveOverrides } from '../src/overrides/active-overrides';
import type { BreakGlassView } from '../src/overrides/overrides-state';

/**
 * The governor's interface. Change workflows use the first group through the governor activity
 * (update-with-start: the governor starts on first use); people use the signed ones through the CLI.
 * Arguments are `unknown` on purpose: each is admitted through its zod schema in the handler.
 */
export const admitUpdate = defineUpdate<WithOverrides<AdmitAnswer>, [unknown]>('admit');
export const acquireUpdate = defineUpdate<AcquireAnswer, [unknown]>('acquire');
/** An automatic change, staged: admission and, once admitted, the write's permit in one update. */
export const admitWithPermitUpdate = defineUpdate<WithOverrides<AdmitWithPermitAnswer>, [unknown]>(
  'admitWithPermit',
);
/** Another scope queued the change: what the permit granted here is given back; it stays admitted. */
export const returnPermitUpdate = defineUpdate<null, [unknown]>('returnPermit');
export const releaseUpdate = defineUpdate<null, [unknown]>('release');
/** The change opened an approval request: listed as waiting for people, its RRset locks pass on. */
export const reviewUpdate = defineUpdate<null, [unknown]>('review');
/** No longer sent (a re-routed change is reviewed instead); handled so recorded histories replay. */
export const refundAutomaticUpdate = defineUpdate<null, [unknown]>('refundAutomatic');
export const escalateUpdate = defineUpdate<EscalateAnswer, [unknown]>('escalate');

/** A verified human admits a queued change now (signed for `admit <change id>`). */
export const humanAdmitUpdate = defineUpdate<
  { admitted: boolean; message: string },
  [{ changeId: string; signed: SignedDecision }]
>('humanAdmit');
/** A verified human closes the circuit breaker (signed for `reset`). */
export const resetBreakerUpdate = defineUpdate<{ reset: boolean; message: string }, [SignedDecision]>(
  'resetBreaker',
);

export const governorStatusQuery = defineQuery<GovernorStatus>('governorStatus');

/** People's overrides, each signed for this governor and the exact action (see governorActionText). */
export interface OverrideAnswer {
  readonly ok: boolean;
  readonly message: string;
  readonly grantId?: string;
  readonly expiresAt?: string;
}
export const freezeUpdate = defineUpdate<OverrideAnswer, [unknown]>('freeze');
export const unfreezeUpdate = defineUpdate<OverrideAnswer, [unknown]>('unfreeze');
/** Signed by a person from the CLI, or a webhook body from the incident tool with its HMAC. */
export const incidentUpdate = defineUpdate<OverrideAnswer, [unknown]>('incident');
export const breakGlassUpdate = defineUpdate<OverrideAnswer, [unknown]>('breakGlass');
export const endBreakGlassUpdate = defineUpdate<OverrideAnswer, [unknown]>('endBreakGlass');
export const reviewBreakGlassUpdate = defineUpdate<OverrideAnswer, [unknown]>('reviewBreakGlass');
export const grantExceptionUpdate = defineUpdate<OverrideAnswer, [unknown]>('grantException');
export const approveExceptionUpdate = defineUpdate<OverrideAnswer, [unknown]>('approveException');
export const revokeExceptionUpdate = defineUpdate<OverrideAnswer, [unknown]>('revokeException');
/** From a change workflow: its approver holds break-glass here? The change is then marked. */
export const useBreakGlassUpdate = defineUpdate<BreakGlassView | null, [unknown]>('useBreakGlass');
/** What a change must know before its policy check: active freezes, grants and exceptions. */
export const activeOverridesQuery = defineQuery<ActiveOverrides>('activeOverrides');

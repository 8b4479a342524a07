import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { SignedDecision } from '../src/approvals/signed-decision';
import type { AcquireAnswer, AdmitAnswer, EscalateAnswer } from '../src/governor/governor-state';
import type { GovernorStatus } from '../src/governor/status';

/**
 * The governor's interface. Change workflows use the first group through the governor activity
 * (update-with-start: the governor starts on first use); people use the signed ones through the CLI.
 * Arguments are `unknown` on purpose: each is admitted through its zod schema in the handler.
 */
export const admitUpdate = defineUpdate<AdmitAnswer, [unknown]>('admit');
export const acquireUpdate = defineUpdate<AcquireAnswer, [unknown]>('acquire');
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

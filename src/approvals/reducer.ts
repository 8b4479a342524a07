/**
 * The approval state machine, as a pure function over one decision at a time. The workflow owns
 * the state and records every verdict (counted or refused) as evidence.
 */

export type ApprovalChoice = 'approve' | 'reject';

export interface ApprovalAttempt {
  readonly principal: string;
  readonly decision: ApprovalChoice;
  readonly planHash: string;
  readonly reason: string;
  /** How it arrived: a signal (Temporal UI, SDK) or an update (CLI; the sender learns the verdict). */
  readonly channel: 'signal' | 'update';
  /** Workflow time the attempt was received, ms since epoch. */
  readonly at: number;
}

/** Principals who may not approve, with why. */
export interface Exclusion {
  readonly principal: string;
  readonly why: string;
}

export interface ApprovalRequest {
  readonly planHash: string;
  readonly required: number;
  readonly excluded: readonly Exclusion[];
  readonly expiresAt: number;
}

export interface CountedApproval {
  readonly principal: string;
  readonly reason: string;
  readonly at: number;
  readonly channel: ApprovalAttempt['channel'];
}

export interface ApprovalState {
  readonly status: 'pending' | 'approved' | 'rejected';
  readonly approvals: readonly CountedApproval[];
  readonly rejection?: CountedApproval;
}

export type RefusalCode =
  | 'request_closed'
  | 'request_expired'
  | 'plan_hash_mismatch'
  | 'excluded_principal'
  | 'duplicate_principal'
  | 'missing_reason';

export type Verdict =
  | { readonly counted: true; readonly status: ApprovalState['status']; readonly message: string }
  | { readonly counted: false; readonly code: RefusalCode; readonly message: string };

export const initialApprovalState: ApprovalState = { status: 'pending', approvals: [] };

export function reviewAttempt(
  request: ApprovalRequest,
  state: ApprovalState,
  attempt: ApprovalAttempt,
): { state: ApprovalState; verdict: Verdict } {
  const refuse = (code: RefusalCode, message: string) => ({
    state,
    verdict: { counted: false as const, code, message },
  });
  const principal = attempt.principal.trim();
  if (state.status !== 'pending') return refuse('request_closed', `the request is already ${state.status}`);
  if (attempt.at > request.expiresAt) return refuse('request_expired', 'the approval request has expired');
  if (attempt.planHash !== request.planHash) {
    return refuse(
      'plan_hash_mismatch',
      `decision is for plan ${attempt.planHash.slice(0, 12)}, the pending plan is ${request.planHash.slice(0, 12)}`,
    );
  }
  if (attempt.reason.trim() === '') return refuse('missing_reason', 'a reason is required');
  const counted: CountedApproval = {
    principal,
    reason: attempt.reason,
    at: attempt.at,
    channel: attempt.channel,
  };
  // A rejection can only make the outcome safer, so anyone may reject: an approver who changed their
  // mind, or the requester withdrawing their own change. Exclusions and one-vote-per-person guard approvals.
  if (attempt.decision === 'reject') {
    return {
      state: { ...state, status: 'rejected', rejection: counted },
      verdict: { counted: true, status: 'rejected', message: `rejected by ${principal}` },
    };
  }
  const exclusion = request.excluded.find((e) => e.principal.toLowerCase() === principal.toLowerCase());
  if (exclusion !== undefined)
    return refuse('excluded_principal', `${principal} may not approve: ${exclusion.why}`);
  if (state.approvals.some((a) => a.principal.toLowerCase() === principal.toLowerCase())) {
    return refuse('duplicate_principal', `${principal} has already approved; one person counts once`);
  }
  const approvals = [...state.approvals, counted];
  const status = approvals.length >= request.required ? 'approved' : 'pending';
  return {
    state: { ...state, status, approvals },
    verdict: {
      counted: true,
      status,
      message: `approval ${approvals.length} of ${request.required} counted`,
    },
  };
}

/**
 * A veto during the cooling-off delay. Like a rejection it can only make the outcome safer, so
 * anyone may veto; it must still name the plan under delay and say why.
 */
export function reviewVeto(request: ApprovalRequest, attempt: ApprovalAttempt): Verdict {
  if (attempt.planHash !== request.planHash)
    return { counted: false, code: 'plan_hash_mismatch', message: 'the veto names another plan' };
  if (attempt.reason.trim() === '')
    return { counted: false, code: 'missing_reason', message: 'a veto needs a reason' };
  return {
    counted: true,
    status: 'rejected',
    message: `vetoed by ${attempt.principal.trim()} during the cooling-off delay`,
  };
}

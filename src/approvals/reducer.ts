import type { RoleCount } from '../policy/decision';
import { missingSeats, seatsFilled, seatsOf } from './role-matching';

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
  /**
   * How it arrived. `signed`: an update carrying a signature verified against the directory.
   * `ui`: the Temporal UI's signal, as strong as the Temporal deployment's own authentication.
   * `signal` / `update`: unverified, from workflows started before verified approvals existed.
   */
  readonly channel: 'signal' | 'update' | 'signed' | 'ui';
  /** Workflow time the attempt was received, ms since epoch. */
  readonly at: number;
  /** The approver's roles from the directory; absent: not known (legacy path), any seat. */
  readonly roles?: readonly string[];
  /** Validity of a signed decision, ms since epoch. */
  readonly validFrom?: number;
  readonly validUntil?: number;
  /** Single-use nonce of a signed decision. */
  readonly nonce?: string;
  readonly keyId?: string;
}

/** Principals who may not approve, with why. */
export interface Exclusion {
  readonly principal: string;
  readonly why: string;
}

export interface ApprovalRequest {
  readonly planHash: string;
  readonly required: number;
  /** Roles the approvers must hold, per role how many (from the policy decision). */
  readonly roles?: readonly RoleCount[];
  /** Channels whose decisions count here; absent: any. */
  readonly channels?: readonly ApprovalAttempt['channel'][];
  readonly excluded: readonly Exclusion[];
  readonly expiresAt: number;
}

export interface CountedApproval {
  readonly principal: string;
  readonly reason: string;
  readonly at: number;
  readonly channel: ApprovalAttempt['channel'];
  readonly roles?: readonly string[];
  readonly keyId?: string;
}

export interface ApprovalState {
  readonly status: 'pending' | 'approved' | 'rejected';
  readonly approvals: readonly CountedApproval[];
  readonly rejection?: CountedApproval;
  /** Nonces of signed decisions already seen: each may be used once. */
  readonly nonces?: readonly string[];
}

export type RefusalCode =
  | 'request_closed'
  | 'request_expired'
  | 'plan_hash_mismatch'
  | 'excluded_principal'
  | 'duplicate_principal'
  | 'missing_reason'
  | 'not_yet_valid'
  | 'decision_expired'
  | 'nonce_replayed'
  | 'channel_not_accepted'
  | 'role_not_needed'
  | IdentityRefusal
  | MessageRefusalCode;

/** Refusals made before the reducer, by identity and signature verification. */
export type IdentityRefusal =
  | 'unknown_principal'
  | 'service_principal'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_workflow'
  | 'unsigned'
  | 'verification_unavailable';

/** Refusals of a message that is not a well-formed decision at all (see src/payloads/message-intake). */
export type MessageRefusalCode = 'undecodable_payload' | 'payload_too_large' | 'invalid_payload';

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
  if (attempt.nonce !== undefined && (state.nonces ?? []).includes(attempt.nonce)) {
    return refuse('nonce_replayed', 'this signed decision was already used');
  }
  // Every signed decision spends its nonce, counted or not: a refused one cannot be replayed either.
  const seen: ApprovalState =
    attempt.nonce === undefined ? state : { ...state, nonces: [...(state.nonces ?? []), attempt.nonce] };
  const refuseSeen = (code: RefusalCode, message: string) => ({
    state: seen,
    verdict: { counted: false as const, code, message },
  });
  if (attempt.validFrom !== undefined && attempt.at < attempt.validFrom)
    return refuseSeen('not_yet_valid', 'the signed decision is not valid yet (issued in the future)');
  if (attempt.validUntil !== undefined && attempt.at > attempt.validUntil)
    return refuseSeen('decision_expired', 'the signed decision has expired; sign a new one');
  if (state.status !== 'pending')
    return refuseSeen('request_closed', `the request is already ${state.status}`);
  if (attempt.at > request.expiresAt)
    return refuseSeen('request_expired', 'the approval request has expired');
  if (attempt.planHash !== request.planHash) {
    return refuseSeen(
      'plan_hash_mismatch',
      `decision is for plan ${attempt.planHash.slice(0, 12)}, the pending plan is ${request.planHash.slice(0, 12)}`,
    );
  }
  if (attempt.reason.trim() === '') return refuseSeen('missing_reason', 'a reason is required');
  const counted: CountedApproval = {
    principal,
    reason: attempt.reason,
    at: attempt.at,
    channel: attempt.channel,
    ...(attempt.roles === undefined ? {} : { roles: attempt.roles }),
    ...(attempt.keyId === undefined ? {} : { keyId: attempt.keyId }),
  };
  // A rejection can only make the outcome safer, so anyone may reject through any channel: an
  // approver who changed their mind, or the requester withdrawing. Exclusions, channels, roles and
  // one-vote-per-person guard approvals.
  if (attempt.decision === 'reject') {
    return {
      state: { ...seen, status: 'rejected', rejection: counted },
      verdict: { counted: true, status: 'rejected', message: `rejected by ${principal}` },
    };
  }
  if (request.channels !== undefined && !request.channels.includes(attempt.channel)) {
    return refuseSeen(
      'channel_not_accepted',
      `approvals through the ${attempt.channel} channel do not count for this change; sign it with the CLI`,
    );
  }
  const exclusion = request.excluded.find((e) => e.principal.toLowerCase() === principal.toLowerCase());
  if (exclusion !== undefined)
    return refuseSeen('excluded_principal', `${principal} may not approve: ${exclusion.why}`);
  if (state.approvals.some((a) => a.principal.toLowerCase() === principal.toLowerCase())) {
    return refuseSeen('duplicate_principal', `${principal} has already approved; one person counts once`);
  }
  const seats = seatsOf(request.required, request.roles ?? []);
  const before = state.approvals.map((a) => a.roles);
  const approvers = [...before, attempt.roles];
  if (seatsFilled(seats, approvers) <= seatsFilled(seats, before)) {
    return refuseSeen(
      'role_not_needed',
      `${principal} (${(attempt.roles ?? []).join(', ') || 'no role'}) fills no open seat; still needed: ${missingSeats(seats, before)}`,
    );
  }
  const approvals = [...state.approvals, counted];
  const status =
    seatsFilled(
      seats,
      approvals.map((a) => a.roles),
    ) >= seats.length
      ? 'approved'
      : 'pending';
  const still = missingSeats(
    seats,
    approvals.map((a) => a.roles),
  );
  return {
    state: { ...seen, status, approvals },
    verdict: {
      counted: true,
      status,
      message: `approval ${approvals.length} of ${request.required} counted${still === '' ? '' : `; still needed: ${still}`}`,
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

import type { RRset } from '../plan/plan';
import { rrsetEquals } from '../plan/plan';

/** One authoritative server's answer to a verification query (or why there was none). */
export interface VerificationAnswer {
  readonly server: string;
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, …; "ERROR: <why>" when no reply came at all. */
  readonly rcode: string;
  readonly authoritative: boolean;
  readonly referral: boolean;
  readonly rrset: RRset | null;
}

/**
 * `verified`: every server serves exactly the expected data. `mismatch`: at least one server
 * answered with authority and serves other data (roll back). `inconclusive`: no server serves other
 * data, but some did not answer with authority (unreachable, timeout, SERVFAIL, REFUSED): a server
 * that does not answer is not one that answers wrongly, so keep verifying, then escalate.
 */
export type VerificationVerdict = 'verified' | 'mismatch' | 'inconclusive';

export interface VerificationJudgement {
  readonly verdict: VerificationVerdict;
  /** Servers serving other data than expected. */
  readonly mismatched: readonly string[];
  /** Servers that gave no authoritative answer. */
  readonly silent: readonly string[];
}

const answered = /^(NOERROR|NXDOMAIN)$/;

export function judgeVerification(
  answers: readonly VerificationAnswer[],
  expected: RRset | null,
): VerificationJudgement {
  const silent = answers.filter((a) => !answered.test(a.rcode) || !(a.authoritative || a.referral));
  const mismatched = answers.filter((a) => !silent.includes(a) && !rrsetEquals(a.rrset, expected));
  const verdict: VerificationVerdict =
    mismatched.length > 0
      ? 'mismatch'
      : silent.length > 0 || answers.length === 0
        ? 'inconclusive'
        : 'verified';
  return { verdict, mismatched: mismatched.map((a) => a.server), silent: silent.map((a) => a.server) };
}

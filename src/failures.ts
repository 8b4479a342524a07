/**
 * Failure types that cross the Temporal boundary as `ApplicationFailure.type`. Workflows and
 * clients branch on these strings, so they are part of the public contract: add, never rename.
 */
export const FailureType = {
  /** The recommendation failed schema or semantic validation. */
  InvalidRecommendation: 'InvalidRecommendation',
  /** The provider has no such zone. */
  ZoneNotFound: 'ZoneNotFound',
  /** The provider refused the change (bad data, conflicting records). */
  ProviderRejected: 'ProviderRejected',
  /** The provider could not be reached or answered with a server error; retried. */
  ProviderUnavailable: 'ProviderUnavailable',
  /** Authoritative servers do not serve the expected RRset (yet); retried, then rolled back. */
  VerificationMismatch: 'VerificationMismatch',
  /** Some authoritative server did not answer (unreachable, timeout, SERVFAIL) and none serves other data; retried, then escalated. */
  VerificationInconclusive: 'VerificationInconclusive',
  /** The provider's configuration or credentials are wrong. */
  ProviderMisconfigured: 'ProviderMisconfigured',
  /** The policy cannot be read or does not validate; retried, so a fixed file lets the change go on. */
  PolicyInvalid: 'PolicyInvalid',
  /** The approver directory cannot be read or does not validate; retried, nobody is verified meanwhile. */
  DirectoryInvalid: 'DirectoryInvalid',
  /** The escalation webhook could not be reached or refused the notification; retried, then recorded. */
  NotifierUnavailable: 'NotifierUnavailable',
  /** A governor update that is not one (wrong shape, size or encoding); refused, the governor goes on. */
  InvalidGovernorRequest: 'InvalidGovernorRequest',
  /** A person's governor action (admit from the queue, breaker reset) did not verify or is not allowed. */
  GovernorActionRefused: 'GovernorActionRefused',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failure types no retry can fix; listed on activity proxies as non-retryable. */
export const nonRetryableFailureTypes: FailureType[] = [
  FailureType.InvalidRecommendation,
  FailureType.ZoneNotFound,
  FailureType.ProviderRejected,
  FailureType.ProviderMisconfigured,
  FailureType.InvalidGovernorRequest,
  FailureType.GovernorActionRefused,
];

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
  /** The registry refused: this registrar may not act on the object, or the auth code is wrong (EPP 2201, 2202). */
  RegistrarAuthorization: 'RegistrarAuthorization',
  /** The registry has no such domain, host or contact (EPP 2303). */
  RegistrarNotFound: 'RegistrarNotFound',
  /** A status forbids the operation: a server lock, a pending transfer (EPP 2304, 2300, 2301). */
  RegistrarStatusProhibits: 'RegistrarStatusProhibits',
  /** The registry refuses the values as proposed: missing, out of range or against its policy (EPP 2003–2005, 2302, 2305, 2306, 2308). */
  RegistrarPolicy: 'RegistrarPolicy',
  /** The registry did not understand the command (EPP 2000–2002, 2100–2104): a client bug or an unsupported registry. */
  RegistrarProtocol: 'RegistrarProtocol',
  /** A secret a change refers to (a transfer's auth code) is not in the worker's secret store. */
  SecretUnavailable: 'SecretUnavailable',
  /** The evidence store already holds other bytes where the exporter writes (or cannot be read): sealing stops for a person. */
  EvidenceConflict: 'EvidenceConflict',
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
  FailureType.RegistrarAuthorization,
  FailureType.RegistrarNotFound,
  FailureType.RegistrarStatusProhibits,
  FailureType.RegistrarPolicy,
  FailureType.RegistrarProtocol,
  FailureType.SecretUnavailable,
  FailureType.EvidenceConflict,
];

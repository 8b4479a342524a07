import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../src/failures';
import type { EppResult } from './epp-xml';

/**
 * EPP result codes (RFC 5730 §3) as the typed failures workflows branch on. 1xxx is success (1001:
 * accepted, completes later). Only 2400 and 25xx are worth a retry; everything else is final.
 */
export function failureTypeOf(code: number): FailureType {
  if (code === 2201 || code === 2202) return FailureType.RegistrarAuthorization;
  if (code === 2303) return FailureType.RegistrarNotFound;
  if (code === 2304 || code === 2300 || code === 2301) return FailureType.RegistrarStatusProhibits;
  if ([2003, 2004, 2005, 2302, 2305, 2306, 2308].includes(code)) return FailureType.RegistrarPolicy;
  if (code === 2200) return FailureType.ProviderMisconfigured;
  if (code === 2400 || code >= 2500) return FailureType.ProviderUnavailable;
  return FailureType.RegistrarProtocol;
}

const advice: Partial<Record<FailureType, string>> = {
  [FailureType.RegistrarAuthorization]:
    'this registrar may not act on the object, or the auth code is wrong: check who sponsors the domain and the secret the change names',
  [FailureType.RegistrarNotFound]: 'check the domain (or host, contact) name at the registry',
  [FailureType.RegistrarStatusProhibits]:
    'a status forbids it (a server lock set by the registry, or a pending transfer): see domain:info, and ask the registry to lift server locks',
  [FailureType.RegistrarPolicy]: "the registry's policy refuses these values: change the proposal",
  [FailureType.ProviderMisconfigured]:
    "the registrar's credentials or client certificate are wrong: fix the worker's EPP settings",
  [FailureType.ProviderUnavailable]: 'the registry is unavailable; retried',
  [FailureType.RegistrarProtocol]:
    'the registry did not accept the command as sent: report it with the server transaction id',
};

/** A failed EPP command as a typed failure; secrets the command carried are removed from the message. */
export function eppFailure(
  command: string,
  result: EppResult,
  svTRID: string | undefined,
  secrets: readonly string[] = [],
): ApplicationFailure {
  const type = failureTypeOf(result.code);
  const reasons = result.reasons.length === 0 ? '' : ` (${result.reasons.join('; ')})`;
  let message = `${command} refused by the registry: ${result.code} ${result.message}${reasons}; ${advice[type] ?? ''}${svTRID === undefined ? '' : ` [svTRID ${svTRID}]`}`;
  for (const secret of secrets) if (secret !== '') message = message.split(secret).join('[redacted]');
  return ApplicationFailure.create({
    type,
    message,
    details: [{ command, code: result.code, ...(svTRID === undefined ? {} : { svTRID }) }],
    nonRetryable: type !== FailureType.ProviderUnavailable,
  });
}

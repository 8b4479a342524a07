import type { ParsedCommand } from './commands/context';
import type { Registrar } from './model';
import { extensionUris, ns, objectUris } from './namespaces';
import type { ResultCode } from './results';
import { EppError } from './results';
import { childOf, childrenOf, onlyChildren, requireChild, token } from './xml';

/**
 * <login> (RFC 5730 §2.9.1.1). A registrar proves itself twice: with the TLS client certificate
 * (issued by the registry's CA to its clID, RFC 5734 §9) and with its password. The services it
 * declares are the only ones it may use in the session.
 */

export interface LoginRequest {
  readonly clID: string;
  readonly pw: string;
  readonly newPW: string | undefined;
  readonly objURIs: ReadonlySet<string>;
  readonly extURIs: ReadonlySet<string>;
}

export function parseLogin(command: ParsedCommand): LoginRequest {
  const el = command.verbElement;
  onlyChildren(el, ns.epp, ['clID', 'pw', 'newPW', 'options', 'svcs']);
  const options = requireChild(el, ns.epp, 'options');
  const version = token(requireChild(options, ns.epp, 'version'));
  if (version !== '1.0')
    throw new EppError(2100, `EPP version ${version} is not implemented; this server speaks 1.0`);
  const lang = token(requireChild(options, ns.epp, 'lang'));
  if (lang !== 'en') throw new EppError(2102, `language ${lang} is not offered; this server speaks en`);
  const svcs = requireChild(el, ns.epp, 'svcs');
  const objURIs = new Set(childrenOf(svcs, ns.epp, 'objURI').map(token));
  if (objURIs.size === 0) throw new EppError(2003, '<svcs> needs at least one <objURI>');
  for (const uri of objURIs)
    if (!objectUris.includes(uri)) throw new EppError(2307, `object service ${uri} is not offered`);
  const svcExtension = childOf(svcs, ns.epp, 'svcExtension');
  const extURIs = new Set(
    svcExtension === undefined ? [] : childrenOf(svcExtension, ns.epp, 'extURI').map(token),
  );
  for (const uri of extURIs)
    if (!extensionUris.includes(uri)) throw new EppError(2103, `extension ${uri} is not offered`);
  const newPWEl = childOf(el, ns.epp, 'newPW');
  const newPW = newPWEl === undefined ? undefined : token(newPWEl);
  if (newPW !== undefined && (newPW.length < 6 || newPW.length > 16))
    throw new EppError(2004, 'a new password has 6 to 16 characters');
  return {
    clID: token(requireChild(el, ns.epp, 'clID')),
    pw: token(requireChild(el, ns.epp, 'pw')),
    newPW,
    objURIs,
    extURIs,
  };
}

/** Why the credentials are refused, or undefined when they are good. */
export function credentialProblem(
  registrars: readonly Registrar[],
  request: LoginRequest,
  certificateCN: string | undefined,
): { code: ResultCode; reason: string } | undefined {
  const registrar = registrars.find((r) => r.clID === request.clID);
  if (certificateCN !== request.clID)
    return {
      code: 2200,
      reason: `the TLS client certificate was issued to ${certificateCN ?? 'nobody'}, not to this clID`,
    };
  if (registrar === undefined || registrar.password !== request.pw)
    return { code: 2200, reason: 'unknown clID or wrong password' };
  return undefined;
}

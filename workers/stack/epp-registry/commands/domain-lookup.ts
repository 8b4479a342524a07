import type { Domain } from '../model';
import { ns } from '../namespaces';
import { isHostName, normalizeName } from '../names';
import { refuse } from '../results';
import type { RegistryState } from '../model';

/** Reading a domain name from a command and finding its object, with the RFC's errors. */

export function domainValue(text: string) {
  return { prefix: 'domain', uri: ns.domain, name: 'name', text } as const;
}

/** A syntactically valid domain name, normalised; 2005 otherwise. */
export function domainName(text: string): string {
  const name = normalizeName(text);
  if (!isHostName(name)) throw refuse(2005, 'not a valid domain name (LDH labels)', domainValue(text));
  return name;
}

/** The domain object, or 2303 naming it. */
export function existingDomain(state: RegistryState, text: string): Domain {
  const domain = state.domains[domainName(text)];
  if (domain === undefined) throw refuse(2303, 'no such domain in this registry', domainValue(text));
  return domain;
}

import type { Contact, Domain, Host, RegistryState, StatusEntry } from './model';

/**
 * Status values as the RFCs define them: stored statuses plus the ones the server computes.
 * "ok" only when nothing else applies (RFC 5731 §2.3), "inactive" for a domain without name
 * servers, "pendingTransfer" while a transfer waits, "linked" for hosts and contacts in use.
 */

/** Statuses a client may add or remove on a domain (RFC 5731 §2.3, the client* set). */
export const clientDomainStatuses: readonly string[] = [
  'clientDeleteProhibited',
  'clientHold',
  'clientRenewProhibited',
  'clientTransferProhibited',
  'clientUpdateProhibited',
];

/** …on a host (RFC 5732 §2.3). */
export const clientHostStatuses: readonly string[] = ['clientDeleteProhibited', 'clientUpdateProhibited'];

export function hasStatus(statuses: readonly StatusEntry[], ...values: string[]): boolean {
  return statuses.some((s) => values.includes(s.s));
}

function withOk(list: StatusEntry[]): StatusEntry[] {
  return list.length === 0 ? [{ s: 'ok' }] : list;
}

export function domainStatuses(domain: Domain): StatusEntry[] {
  const list = [...domain.statuses];
  if (domain.transfer?.trStatus === 'pending') list.push({ s: 'pendingTransfer' });
  if (domain.ns.length === 0) list.push({ s: 'inactive' });
  return withOk(list);
}

export function isHostLinked(state: RegistryState, name: string): boolean {
  return Object.values(state.domains).some((d) => d.ns.includes(name));
}

export function hostStatuses(state: RegistryState, host: Host): StatusEntry[] {
  const list = [...host.statuses];
  if (isHostLinked(state, host.name)) list.push({ s: 'linked' });
  return withOk(list);
}

export function isContactLinked(state: RegistryState, id: string): boolean {
  return Object.values(state.domains).some((d) => d.registrant === id || d.contacts.some((c) => c.id === id));
}

export function contactStatuses(state: RegistryState, contact: Contact): StatusEntry[] {
  const list = [...contact.statuses];
  if (isContactLinked(state, contact.id)) list.push({ s: 'linked' });
  return withOk(list);
}

/** Subordinate host objects of a domain (RFC 5731 <domain:host>). */
export function subordinateHosts(state: RegistryState, domain: string): string[] {
  return Object.keys(state.hosts)
    .filter((h) => h.endsWith(`.${domain}`))
    .sort();
}

/** Not published in DNS: clientHold or serverHold (RFC 5731 §2.3). */
export function isOnHold(domain: Domain): boolean {
  return hasStatus(domain.statuses, 'clientHold', 'serverHold');
}

import type { RRset } from '../../../src/plan/plan';
import type { RegistryState } from './model';
import { superordinateDomain, tldOf } from './names';
import { isOnHold } from './status';

/**
 * What the TLD zone should hold at one owner name, computed from the registry's state: for a
 * domain, its delegation (NS, and DS when it has both); for a host below a domain of this registry
 * that a published domain uses, its glue (A/AAAA). Domains on clientHold/serverHold are not
 * delegated (RFC 5731 §2.3). Publishing compares this with PowerDNS and writes the difference.
 */

export const publishedTypes = ['NS', 'DS', 'A', 'AAAA'] as const;

export interface DelegationOptions {
  readonly tlds: readonly string[];
  readonly ttl: number;
}

/** The TLD zone an owner name belongs to ("test."), or undefined for names outside it. */
export function zoneOf(name: string, tlds: readonly string[]): string | undefined {
  const tld = tldOf(name, tlds);
  return tld === undefined ? undefined : `${tld}.`;
}

/** DS presentation format with the digest in lower-case hex, as PowerDNS and the planner write it. */
export function dsRecord(ds: { keyTag: number; alg: number; digestType: number; digest: string }): string {
  return `${ds.keyTag} ${ds.alg} ${ds.digestType} ${ds.digest.toLowerCase()}`;
}

export function desiredRrsets(state: RegistryState, name: string, options: DelegationOptions): RRset[] {
  const owner = `${name}.`;
  const rrset = (type: string, records: string[]): RRset[] =>
    records.length === 0 ? [] : [{ name: owner, type, ttl: options.ttl, records: [...records].sort() }];
  const domain = state.domains[name];
  if (domain !== undefined) {
    if (isOnHold(domain) || domain.ns.length === 0) return [];
    return [
      ...rrset(
        'NS',
        domain.ns.map((h) => `${h}.`),
      ),
      ...rrset('DS', domain.ds.map(dsRecord)),
    ];
  }
  const host = state.hosts[name];
  if (host === undefined || superordinateDomain(name, options.tlds) === undefined) return [];
  const used = Object.values(state.domains).some((d) => d.ns.includes(name) && !isOnHold(d));
  if (!used) return [];
  return [
    ...rrset(
      'A',
      host.addrs.filter((a) => a.ip === 'v4').map((a) => a.addr),
    ),
    ...rrset(
      'AAAA',
      host.addrs.filter((a) => a.ip === 'v6').map((a) => a.addr),
    ),
  ];
}

import { isInZone, toAbsolute } from '../dns/names';
import { recordTypeSpec } from '../dns/record-types';
import type { Issue } from '../issues';
import { describeReceived } from '../issues';
import {
  describeAspect,
  aspectState,
  aspectUnchanged,
  domainFacts,
  domainIssues,
  domainSubject,
  hostNames,
  updateLock,
  aspectRollback,
} from './registrar-domain';
import type { ChangeKind } from './change-kind';
import type { SetNameservers } from './kind-schemas';

/** The glue a plan carries: `glue:<host>` → its addresses, space-separated (part of the hash). */
export const glueParam = (host: string): string => `glue:${host}`;

function glueIssues(
  change: SetNameservers,
  zone: string,
  hosts: readonly string[],
): { glue: Record<string, string[]>; issues: Issue[] } {
  const issues: Issue[] = [];
  const glue: Record<string, string[]> = {};
  for (const [given, addresses] of Object.entries(change.glue ?? {})) {
    const host = toAbsolute(given);
    const path = `change.glue["${given}"]`;
    if (!hosts.includes(host) || !isInZone(host, zone)) {
      issues.push({
        code: 'unexpected_glue',
        path,
        message: `glue is only for nameservers of this change inside ${zone}`,
        expected: `one of ${hosts.filter((h) => isInZone(h, zone)).join(', ') || '(none: no nameserver is inside the domain)'}`,
        received: describeReceived(given),
      });
      continue;
    }
    const parsed = addresses.map((address, index) => {
      const spec = recordTypeSpec(address.includes(':') ? 'AAAA' : 'A');
      const result = spec.parse(address);
      if (!result.ok)
        issues.push({
          code: 'invalid_address',
          path: `${path}[${index}]`,
          message: `not an IP address${result.problem === undefined ? '' : `: ${result.problem}`}`,
          expected: 'an IPv4 or IPv6 address',
          received: describeReceived(address),
        });
      return result.ok ? result.content : address;
    });
    glue[host] = [...new Set(parsed)].sort();
  }
  for (const host of hosts)
    if (isInZone(host, zone) && glue[host] === undefined && !issues.some((i) => i.path.includes(host)))
      issues.push({
        code: 'missing_glue',
        path: 'change.glue',
        message: `${host} is inside ${zone}: the parent can only reach it through glue addresses`,
        expected: `"glue": { "${host}": ["192.0.2.53"] }`,
        received: 'no addresses for it',
      });
  return { glue, issues };
}

/** Replaces the domain's delegation at the registry; verified by asking the parent zone's servers. */
export const setNameservers: ChangeKind<SetNameservers> = {
  kind: 'registrar.set_nameservers',
  port: 'registry',
  guardedBy: updateLock,
  normalise(change, zone) {
    const { hosts, issues } = hostNames(change.nameservers, 'change.nameservers');
    const glued = glueIssues(change, zone, hosts);
    const all = [...domainIssues(zone), ...issues, ...glued.issues];
    if (all.length > 0) return { ok: false, issues: all };
    const { glue: _given, ...rest } = change;
    return {
      ok: true,
      change: {
        ...rest,
        nameservers: hosts,
        ...(Object.keys(glued.glue).length === 0 ? {} : { glue: glued.glue }),
      },
    };
  },
  subject: (_change, zone) => domainSubject(zone, 'NS'),
  plan: (change, subject) => {
    const glue = Object.entries(change.glue ?? {});
    return {
      ok: true,
      after: aspectState(subject, change.nameservers),
      ...(glue.length === 0
        ? {}
        : {
            params: Object.fromEntries(
              glue.map(([host, addresses]) => [glueParam(host), addresses.join(' ')]),
            ),
          }),
    };
  },
  facts: (_change, zone, plan) => domainFacts(zone, plan),
  unchanged: aspectUnchanged,
  describe: describeAspect,
  rollback: aspectRollback,
};

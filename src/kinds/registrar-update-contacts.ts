import {
  aspectState,
  aspectUnchanged,
  describeAspect,
  domainFacts,
  domainIssues,
  domainSubject,
  contactRoles,
  updateLock,
  aspectRollback,
} from './registrar-domain';
import type { ChangeKind } from './change-kind';
import type { UpdateContacts } from './kind-schemas';

function wanted(change: UpdateContacts, role: (typeof contactRoles)[number]): string[] | undefined {
  const value = change[role];
  return value === undefined ? undefined : typeof value === 'string' ? [value] : value;
}

/**
 * Replaces the domain's contacts for the roles named (registrant, admin, tech, billing); roles not
 * named stay as they are. Contacts control recovery of the domain, hence the same dual control.
 */
export const updateContacts: ChangeKind<UpdateContacts> = {
  kind: 'registrar.update_contacts',
  port: 'registry',
  guardedBy: updateLock,
  normalise(change, zone) {
    const issues = domainIssues(zone);
    return issues.length > 0 ? { ok: false, issues } : { ok: true, change };
  },
  subject: (_change, zone) => domainSubject(zone, 'CONTACT'),
  plan(change, subject, live) {
    const records = contactRoles.flatMap((role) => {
      const ids = wanted(change, role);
      if (ids === undefined) return (live?.records ?? []).filter((r) => r.startsWith(`${role}:`));
      return ids.map((id) => `${role}:${id}`);
    });
    return { ok: true, after: aspectState(subject, records) };
  },
  facts: (_change, zone, plan) => domainFacts(zone, plan),
  unchanged: aspectUnchanged,
  describe: describeAspect,
  rollback: aspectRollback,
};

import { z } from 'zod';
import {
  aspectState,
  aspectUnchanged,
  describeAspect,
  domainFacts,
  domainIssues,
  domainSubject,
  ContactId,
  updateLock,
  aspectRollback,
} from './registrar-domain';
import type { ChangeKind } from './change-kind';

const roles = ['registrant', 'admin', 'tech', 'billing'] as const;

export const UpdateContacts = z
  .strictObject({
    kind: z.literal('registrar.update_contacts'),
    registrant: ContactId.optional(),
    admin: z.array(ContactId).min(1).max(4).optional(),
    tech: z.array(ContactId).min(1).max(4).optional(),
    billing: z.array(ContactId).min(1).max(4).optional(),
  })
  .refine((c) => roles.some((role) => c[role] !== undefined), {
    message: 'name at least one of registrant, admin, tech, billing',
  });
export type UpdateContacts = z.infer<typeof UpdateContacts>;

function wanted(change: UpdateContacts, role: (typeof roles)[number]): string[] | undefined {
  const value = change[role];
  return value === undefined ? undefined : typeof value === 'string' ? [value] : value;
}

/**
 * Replaces the domain's contacts for the roles named (registrant, admin, tech, billing); roles not
 * named stay as they are. Contacts control recovery of the domain, hence the same dual control.
 */
export const updateContacts: ChangeKind<UpdateContacts> = {
  kind: 'registrar.update_contacts',
  schema: UpdateContacts,
  port: 'registry',
  guardedBy: updateLock,
  normalise(change, zone) {
    const issues = domainIssues(zone);
    return issues.length > 0 ? { ok: false, issues } : { ok: true, change };
  },
  subject: (_change, zone) => domainSubject(zone, 'CONTACT'),
  plan(change, subject, live) {
    const records = roles.flatMap((role) => {
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

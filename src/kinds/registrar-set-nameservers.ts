import { z } from 'zod';
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
import { DomainName } from '../schema/primitives';
import type { ChangeKind } from './change-kind';

export const SetNameservers = z.strictObject({
  kind: z.literal('registrar.set_nameservers'),
  nameservers: z
    .array(DomainName)
    .min(2)
    .max(13)
    .describe('The delegation the registry publishes for the domain: these hosts, exactly.'),
});
export type SetNameservers = z.infer<typeof SetNameservers>;

/** Replaces the domain's delegation at the registry; verified by asking the parent zone's servers. */
export const setNameservers: ChangeKind<SetNameservers> = {
  kind: 'registrar.set_nameservers',
  schema: SetNameservers,
  port: 'registry',
  guardedBy: updateLock,
  normalise(change, zone) {
    const { hosts, issues } = hostNames(change.nameservers, 'change.nameservers');
    const all = [...domainIssues(zone), ...issues];
    if (all.length > 0) return { ok: false, issues: all };
    return { ok: true, change: { ...change, nameservers: hosts } };
  },
  subject: (_change, zone) => domainSubject(zone, 'NS'),
  plan: (change, subject) => ({ ok: true, after: aspectState(subject, change.nameservers) }),
  facts: (_change, zone, plan) => domainFacts(zone, plan),
  unchanged: aspectUnchanged,
  describe: describeAspect,
  rollback: aspectRollback,
};

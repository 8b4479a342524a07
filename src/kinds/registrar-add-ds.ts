import { z } from 'zod';
import {
  aspectState,
  aspectUnchanged,
  describeAspect,
  domainFacts,
  domainIssues,
  domainSubject,
  updateLock,
  aspectRollback,
} from './registrar-domain';
import { dsRecords } from './ds-data';
import type { ChangeKind } from './change-kind';

export const AddDs = z.strictObject({
  kind: z.literal('registrar.add_ds'),
  ds: z
    .array(z.string().min(1).max(512))
    .min(1)
    .max(8)
    .describe(
      'DS records in presentation format ("keytag algorithm digesttype digest"); each must match a DNSKEY the domain publishes.',
    ),
});
export type AddDs = z.infer<typeof AddDs>;

/** Adds DS records at the registry (secDNS-1.1 dsData), e.g. to sign a delegation or roll a key. */
export const addDs: ChangeKind<AddDs> = {
  kind: 'registrar.add_ds',
  schema: AddDs,
  port: 'registry',
  guardedBy: updateLock,
  normalise(change, zone) {
    const { ds, issues } = dsRecords(change.ds, 'change.ds');
    const all = [...domainIssues(zone), ...issues];
    if (all.length > 0) return { ok: false, issues: all };
    return { ok: true, change: { ...change, ds } };
  },
  subject: (_change, zone) => domainSubject(zone, 'DS'),
  plan: (change, subject, live) => ({
    ok: true,
    after: aspectState(subject, [...(live?.records ?? []), ...change.ds]),
  }),
  facts: (_change, zone, plan) => domainFacts(zone, plan),
  unchanged: aspectUnchanged,
  describe: describeAspect,
  rollback: aspectRollback,
};

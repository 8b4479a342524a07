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
import type { AddDs } from './kind-schemas';

/** Adds DS records at the registry (secDNS-1.1 dsData), e.g. to sign a delegation or roll a key. */
export const addDs: ChangeKind<AddDs> = {
  kind: 'registrar.add_ds',
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

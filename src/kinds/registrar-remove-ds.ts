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
import type { RemoveDs } from './kind-schemas';

/** Removes DS records at the registry; removing the last one of a signed child is a chain-of-trust change. */
export const removeDs: ChangeKind<RemoveDs> = {
  kind: 'registrar.remove_ds',
  port: 'registry',
  guardedBy: updateLock,
  normalise(change, zone) {
    const domain = domainIssues(zone);
    if (change.ds === 'all') return domain.length > 0 ? { ok: false, issues: domain } : { ok: true, change };
    const { ds, issues } = dsRecords(change.ds, 'change.ds');
    const all = [...domain, ...issues];
    if (all.length > 0) return { ok: false, issues: all };
    return { ok: true, change: { ...change, ds } };
  },
  subject: (_change, zone) => domainSubject(zone, 'DS'),
  plan(change, subject, live) {
    const removed = change.ds;
    const kept = removed === 'all' ? [] : (live?.records ?? []).filter((r) => !removed.includes(r));
    return { ok: true, after: aspectState(subject, kept) };
  },
  facts: (_change, zone, plan) => domainFacts(zone, plan),
  unchanged: aspectUnchanged,
  describe: describeAspect,
  rollback: aspectRollback,
};

import { toAbsolute } from '../dns/names';
import { recordTypeSpec } from '../dns/record-types';
import { describePlan } from '../plan/plan';
import type { ChangeKind } from './change-kind';
import type { DeleteRrset } from './kind-schemas';
import { ownerIssues, rrsetFacts, rrsetRollback, rrsetSubject, rrsetUnchanged } from './dns-owner';

/** Removes one RRset of a zone. */
export const deleteRrset: ChangeKind<DeleteRrset> = {
  kind: 'dns.delete_rrset',
  port: 'zone',
  normalise(change, zone) {
    const issues = ownerIssues(change.name, zone, recordTypeSpec(change.type));
    if (issues.length > 0) return { ok: false, issues };
    return { ok: true, change: { ...change, name: toAbsolute(change.name) } };
  },
  subject: rrsetSubject,
  plan: () => ({ ok: true, after: null }),
  facts: rrsetFacts,
  unchanged: rrsetUnchanged,
  describe: describePlan,
  rollback: rrsetRollback,
};

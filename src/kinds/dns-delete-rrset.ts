import { z } from 'zod';
import { toAbsolute } from '../dns/names';
import { recordTypeSpec } from '../dns/record-types';
import { describePlan } from '../plan/plan';
import { RecordType, text } from '../schema/primitives';
import type { ChangeKind } from './change-kind';
import { ownerIssues, rrsetFacts, rrsetRollback, rrsetSubject, rrsetUnchanged } from './dns-owner';

export const DeleteRrset = z.strictObject({
  kind: z.literal('dns.delete_rrset'),
  name: text(254),
  type: RecordType,
});
export type DeleteRrset = z.infer<typeof DeleteRrset>;

/** Removes one RRset of a zone. */
export const deleteRrset: ChangeKind<DeleteRrset> = {
  kind: 'dns.delete_rrset',
  schema: DeleteRrset,
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

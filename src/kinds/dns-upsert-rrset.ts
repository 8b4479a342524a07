import { toAbsolute } from '../dns/names';
import { recordTypeSpec } from '../dns/record-types';
import type { Issue } from '../issues';
import { describeReceived } from '../issues';
import { describePlan, sortRecords } from '../plan/plan';
import type { ChangeKind } from './change-kind';
import type { UpsertRrset } from './kind-schemas';
import { ownerIssues, rrsetFacts, rrsetRollback, rrsetSubject, rrsetUnchanged } from './dns-owner';

/** Creates or replaces one RRset of a zone: the records given become exactly the RRset. */
export const upsertRrset: ChangeKind<UpsertRrset> = {
  kind: 'dns.upsert_rrset',
  port: 'zone',
  normalise(change, zone) {
    const spec = recordTypeSpec(change.type);
    const issues: Issue[] = ownerIssues(change.name, zone, spec);
    const records: string[] = [];
    change.records.forEach((input, index) => {
      const result = spec.parse(input);
      if (result.ok) records.push(result.content);
      else
        issues.push({
          code: 'invalid_rdata',
          path: `change.records[${index}]`,
          message: `not valid ${spec.type} data${result.problem === undefined ? '' : `: ${result.problem}`}`,
          expected: result.expected,
          received: describeReceived(input),
        });
    });
    const unique = [...new Set(records)].sort();
    if (spec.singleton && unique.length > 1)
      issues.push({
        code: 'too_many_records',
        path: 'change.records',
        message: `${spec.type} holds exactly one record`,
        expected: '1 record',
        received: `${unique.length} records`,
      });
    if (issues.length > 0) return { ok: false, issues };
    return { ok: true, change: { ...change, name: toAbsolute(change.name), records: unique } };
  },
  subject: rrsetSubject,
  plan(change, subject) {
    return {
      ok: true,
      after: {
        name: subject.name,
        type: subject.type,
        ttl: change.ttl,
        records: sortRecords(change.records),
      },
    };
  },
  facts: rrsetFacts,
  unchanged: rrsetUnchanged,
  describe: describePlan,
  rollback: rrsetRollback,
};

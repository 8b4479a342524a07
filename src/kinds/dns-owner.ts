import { isApex, isInZone, isWildcard, nameProblem, toAbsolute } from '../dns/names';
import type { RecordTypeSpec } from '../dns/record-types';
import type { Issue } from '../issues';
import { describeReceived } from '../issues';
import type { Plan, RRset } from '../plan/plan';
import { classesOf } from '../policy/catalog';
import type { KindFacts, Subject } from './change-kind';

/** What the two DNS RRset kinds share: an owner name inside the zone, a record type, RRset plans. */

/** Problems with the owner name of an RRset change, for its type. */
export function ownerIssues(name: string, zone: string, spec: RecordTypeSpec): Issue[] {
  const problem = nameProblem(name, true);
  if (problem !== undefined)
    return [
      {
        code: 'invalid_name',
        path: 'change.name',
        message: problem,
        expected: 'a domain name',
        received: describeReceived(name),
      },
    ];
  if (!isInZone(name, zone))
    return [
      {
        code: 'name_outside_zone',
        path: 'change.name',
        message: `name is outside the target zone ${zone}`,
        expected: `a name ending in ${zone}`,
        received: describeReceived(name),
      },
    ];
  if (!spec.allowedAtApex && isApex(name, zone))
    return [
      {
        code: 'type_not_allowed_at_apex',
        path: 'change.type',
        message: `${spec.type} is not allowed at the zone apex`,
        expected: 'a name below the apex',
        received: describeReceived(name),
      },
    ];
  if (spec.apexOnly === true && !isApex(name, zone))
    return [
      {
        code: 'type_only_at_apex',
        path: 'change.name',
        message: `${spec.type} belongs at the zone apex (${zone})`,
        expected: `the apex ${zone}`,
        received: describeReceived(name),
      },
    ];
  return [];
}

export function rrsetSubject(change: { name: string; type: string }): Subject {
  return { name: toAbsolute(change.name), type: change.type };
}

/** Policy facts of an RRset change: classes from the record data on both sides. */
export function rrsetFacts(
  change: { kind: string; name: string; type: string; records?: readonly string[] },
  zone: string,
  plan: Plan | null,
): KindFacts {
  const name = toAbsolute(change.name);
  const apex = isApex(name, zone);
  const records = [
    ...(plan?.before?.records ?? []),
    ...(plan?.after?.records ?? []),
    ...(change.records ?? []),
  ];
  return {
    name,
    apex,
    wildcard: isWildcard(name),
    type: change.type,
    classes: classesOf(change.type, apex, name, records),
    operation: plan?.operation ?? (change.kind === 'dns.delete_rrset' ? 'delete' : null),
    unlocks: false,
  };
}

export function rrsetRollback(plan: Plan): string {
  const undo =
    plan.before === null
      ? 'delete the RRset again'
      : `restore ${plan.before.records.length} record(s), TTL ${plan.before.ttl}`;
  return `${undo}, verified by DNS query`;
}

export function rrsetUnchanged(subject: Subject, after: RRset | null): string {
  return after === null
    ? `${subject.name} ${subject.type} does not exist: nothing to delete`
    : `${subject.name} ${subject.type} already holds exactly these records and TTL`;
}

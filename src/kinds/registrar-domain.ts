import { nameProblem, toAbsolute } from '../dns/names';
import type { Issue } from '../issues';
import { describeReceived } from '../issues';
import type { Plan, RRset } from '../plan/plan';
import { sortRecords } from '../plan/plan';
import type { KindFacts, Subject } from './change-kind';

/**
 * What registrar kinds share. Their target zone is the registered domain; the state they plan is
 * one aspect of it as the registry holds it (NS, DS, LOCK, CONTACT, TRANSFER), kept as a set of
 * strings like an RRset's records. TTL has no meaning there (the registry sets the parent's), so it
 * is 0 on both sides.
 */

/** The statuses a registrar client may set to lock a domain (RFC 5731 §2.3). */
export const lockStatuses = [
  'clientDeleteProhibited',
  'clientTransferProhibited',
  'clientUpdateProhibited',
] as const;

/** The lock that forbids changing a domain's nameservers, DS records or contacts. */
export const updateLock: readonly string[] = ['clientUpdateProhibited'];

/** The roles a domain's contacts are named for (RFC 5731 §2.2, with the registrant). */
export const contactRoles = ['registrant', 'admin', 'tech', 'billing'] as const;

export function domainSubject(zone: string, type: string): Subject {
  return { name: toAbsolute(zone), type };
}

/** The aspect as an RRset-shaped set, or null when the set is empty. */
export function aspectState(subject: Subject, records: readonly string[]): RRset | null {
  const unique = [...new Set(records)];
  return unique.length === 0
    ? null
    : { name: subject.name, type: subject.type, ttl: 0, records: sortRecords(unique) };
}

export function domainFacts(zone: string, plan: Plan | null, unlocks = false): KindFacts {
  return {
    name: toAbsolute(zone),
    // Not a record at the apex: rules about zone records (apex, classes, type) do not apply.
    apex: false,
    wildcard: false,
    type: '',
    classes: [],
    operation: plan?.operation ?? null,
    unlocks,
  };
}

/** `- shop.example. NS ns1.host.net.` / `+ …`: the aspect's members removed and added. */
export function describeAspect(plan: Plan): string[] {
  const before = plan.before?.records ?? [];
  const after = plan.after?.records ?? [];
  return [
    ...before.filter((r) => !after.includes(r)).map((r) => `- ${plan.name} ${plan.type} ${r}`),
    ...after.filter((r) => !before.includes(r)).map((r) => `+ ${plan.name} ${plan.type} ${r}`),
    ...(plan.guard === undefined
      ? []
      : [`  (lifts ${plan.guard.lift.join(', ')} for the write, then puts it back)`]),
  ];
}

/** Registrar changes are undone by the inverse update, checked at the registry and, for NS and DS, in the parent zone. */
export function aspectRollback(plan: Plan): string {
  const undo =
    plan.before === null
      ? `remove the ${plan.type} set again`
      : `put back ${plan.before.records.length} ${plan.type} value(s)`;
  const parent = plan.type === 'NS' || plan.type === 'DS' ? ' and by DNS query to the parent zone' : '';
  return `${undo} at the registry, verified by domain:info${parent}`;
}

export function aspectUnchanged(subject: Subject, after: RRset | null): string {
  return after === null
    ? `${subject.name} has no ${subject.type} to remove at the registry`
    : `${subject.name} ${subject.type} at the registry is already ${after.records.join(', ')}`;
}

/** Host names (nameservers) checked one by one; returns them absolute, sorted and unique. */
export function hostNames(names: readonly string[], path: string): { hosts: string[]; issues: Issue[] } {
  const issues: Issue[] = [];
  names.forEach((name, index) => {
    const problem = nameProblem(name, false);
    if (problem !== undefined)
      issues.push({
        code: 'invalid_name',
        path: `${path}[${index}]`,
        message: problem,
        expected: 'a host name such as ns1.example.net.',
        received: describeReceived(name),
      });
  });
  return { hosts: [...new Set(names.map(toAbsolute))].sort(), issues };
}

/** The domain itself: registrar changes target a registered name, not the root or a TLD. */
export function domainIssues(zone: string): Issue[] {
  const labels = toAbsolute(zone)
    .split('.')
    .filter((l) => l !== '');
  return labels.length >= 2
    ? []
    : [
        {
          code: 'invalid_domain',
          path: 'target.zone',
          message: 'a registrar change targets a registered domain, not a top-level domain',
          expected: 'a domain such as shop.example.',
          received: describeReceived(zone),
        },
      ];
}

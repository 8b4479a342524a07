import {
  aspectState,
  aspectUnchanged,
  describeAspect,
  domainFacts,
  domainIssues,
  domainSubject,
  lockStatuses,
  aspectRollback,
} from './registrar-domain';
import { sameRecords } from '../plan/plan';
import type { ChangeKind } from './change-kind';
import type { SetLock } from './kind-schemas';

const updateLockStatus = 'clientUpdateProhibited';

/** Sets or removes the registrar lock: the client transfer, update and delete prohibitions. */
export const setLock: ChangeKind<SetLock> = {
  kind: 'registrar.set_lock',
  port: 'registry',
  normalise(change, zone) {
    const issues = domainIssues(zone);
    if (issues.length > 0) return { ok: false, issues };
    const statuses = [...new Set(change.statuses ?? lockStatuses)].sort();
    return { ok: true, change: { ...change, statuses } };
  },
  subject: (_change, zone) => domainSubject(zone, 'LOCK'),
  plan(change, subject, live) {
    const statuses: readonly string[] = change.statuses ?? lockStatuses;
    const current = live?.records ?? [];
    const after = change.locked ? [...current, ...statuses] : current.filter((s) => !statuses.includes(s));
    return { ok: true, after: aspectState(subject, after) };
  },
  resumable(plan, live) {
    const before = plan.before?.records ?? [];
    const after = plan.after?.records ?? [];
    const now = live?.records ?? [];
    // The update lock is lifted (with any removals) first and put back (with any additions) after.
    if (
      !before.includes(updateLockStatus) ||
      !after.includes(updateLockStatus) ||
      now.includes(updateLockStatus)
    )
      return false;
    // Exactly what the first step leaves (the statuses kept, the update lock lifted), nothing else:
    // any other state was made by someone else, and is re-planned and re-approved instead.
    const kept = before.filter((s) => after.includes(s) && s !== updateLockStatus);
    return sameRecords(now, kept);
  },
  facts(change, zone, plan) {
    const removes =
      plan === null
        ? !change.locked
        : (plan.before?.records ?? []).some((s) => !(plan.after?.records ?? []).includes(s));
    return domainFacts(zone, plan, removes);
  },
  unchanged: (subject, after) =>
    after === null
      ? `${subject.name} carries none of these locks at the registry`
      : aspectUnchanged(subject, after),
  describe: describeAspect,
  rollback: aspectRollback,
};

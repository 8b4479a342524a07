import type { Plan } from '../plan/plan';
import { buildPlan, sortRecords } from '../plan/plan';

/**
 * The lock lift a guarded plan needs: a LOCK plan from the domain's locks when planned to the same
 * without the statuses that forbid the write. Its inverse puts them back. Null for unguarded plans.
 */
export function liftPlanOf(plan: Plan): Plan | null {
  if (plan.guard === undefined || plan.guard.lift.length === 0) return null;
  const { locks, lift } = plan.guard;
  const kept = sortRecords(locks.records.filter((status) => !lift.includes(status)));
  return buildPlan({
    zone: plan.zone,
    name: locks.name,
    type: locks.type,
    kind: 'registrar.set_lock',
    before: locks,
    after: kept.length === 0 ? null : { ...locks, records: kept },
  });
}

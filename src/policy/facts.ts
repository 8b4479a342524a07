import { toAbsolute } from '../dns/names';
import { kindOf } from '../kinds/kinds';
import type { Plan } from '../plan/plan';
import { recordsTouched, sameRecords } from '../plan/plan';
import type { Recommendation } from '../schema/recommendation';
import type { RecordClass } from './catalog';
import type { Policy } from './policy-schema';

/** What the policy may know besides the recommendation and its plan. */
export interface PolicyContext {
  /** Records in the zone now; null when unknown (no plan yet). */
  readonly zoneRecords: number | null;
  /** The evaluation instant (time windows). */
  readonly now: Date;
  /** How the plan would break a DNSSEC chain of trust (read from live DNS), or null. */
  readonly chainBreak?: string | null;
}

/**
 * Everything rules match on, computed once. `null` means not known yet (before the plan is
 * staged); a condition on an unknown fact does not match, and the staged re-evaluation decides.
 */
export interface Facts {
  readonly environment: string;
  readonly tenant: string;
  readonly tenantLabels: Readonly<Record<string, string>>;
  readonly zone: string;
  readonly zoneLabels: Readonly<Record<string, string>>;
  readonly kind: string;
  readonly name: string;
  readonly apex: boolean;
  readonly wildcard: boolean;
  readonly type: string;
  readonly classes: readonly RecordClass[];
  readonly operation: 'create' | 'update' | 'delete' | null;
  readonly ttlDelta: number | null;
  /** An update that alters nothing but the TTL; null before the plan is staged. */
  readonly ttlOnly: boolean | null;
  readonly recordsTouched: number | null;
  readonly zoneRecords: number | null;
  readonly zoneShare: number | null;
  readonly confidence: number;
  readonly incident: boolean;
  readonly now: Date;
  /** How the plan breaks a DNSSEC chain of trust (a DS no published key matches any more, the last DS of a signed child), or null. */
  readonly chainBreak: string | null;
  /** The change removes a registrar lock (client transfer, update or delete prohibition). */
  readonly unlocks: boolean;
}

function labelsFor(
  table: Policy['zones'] | Policy['tenants'],
  key: string,
  normalise: (k: string) => string,
): Record<string, string> {
  for (const [name, entry] of Object.entries(table ?? {})) if (normalise(name) === key) return entry.labels;
  return {};
}

export function factsOf(
  policy: Policy,
  rec: Recommendation,
  plan: Plan | null,
  context: PolicyContext,
): Facts {
  const zone = toAbsolute(rec.target.zone);
  const own = kindOf(rec.change).facts(rec.change, zone, plan);
  const touched = plan === null ? null : recordsTouched(plan);
  // A TTL delta exists only for updates: creating or deleting an RRset changes no TTL.
  const ttlDelta =
    plan === null ? null : plan.before !== null && plan.after !== null ? plan.after.ttl - plan.before.ttl : 0;
  return {
    environment: rec.target.environment,
    tenant: rec.target.tenant,
    tenantLabels: labelsFor(policy.tenants, rec.target.tenant, (k) => k),
    zone,
    zoneLabels: labelsFor(policy.zones, zone, toAbsolute),
    kind: rec.change.kind,
    ...own,
    ttlDelta,
    ttlOnly:
      plan === null
        ? null
        : plan.before !== null &&
          plan.after !== null &&
          plan.before.ttl !== plan.after.ttl &&
          sameRecords(plan.before.records, plan.after.records),
    recordsTouched: touched,
    zoneRecords: context.zoneRecords,
    zoneShare:
      touched === null || context.zoneRecords === null || context.zoneRecords === 0
        ? null
        : touched / context.zoneRecords,
    confidence: rec.confidence,
    incident: rec.incidentId !== undefined,
    now: context.now,
    chainBreak: context.chainBreak ?? null,
  };
}

import { hashOf } from '../hash';
import type { Recommendation } from '../schema/recommendation';

/** One RRset as the provider holds it: records canonical and sorted. */
export interface RRset {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly records: readonly string[];
}

export type PlanOperation = 'create' | 'update' | 'delete';

/**
 * The exact before → after of one RRset, computed from live state. Approvals bind to `hash`;
 * execution writes `after` only while the live RRset still equals `before`.
 */
export interface Plan {
  readonly zone: string;
  readonly name: string;
  readonly type: string;
  readonly operation: PlanOperation;
  readonly before: RRset | null;
  readonly after: RRset | null;
  readonly hash: string;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; code: 'no_op'; message: string };

export function sortRecords(records: readonly string[]): string[] {
  return [...records].sort();
}

export function rrsetEquals(a: RRset | null, b: RRset | null): boolean {
  if (a === null || b === null) return a === b;
  return a.name === b.name && a.type === b.type && a.ttl === b.ttl && sameRecords(a.records, b.records);
}

/** The same records, in any order. */
export function sameRecords(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const left = sortRecords(a);
  const right = sortRecords(b);
  return left.every((record, i) => record === right[i]);
}

export function planHash(plan: Omit<Plan, 'hash' | 'operation'>): string {
  return hashOf({
    v: 1,
    zone: plan.zone,
    name: plan.name,
    type: plan.type,
    before: plan.before,
    after: plan.after,
  });
}

function build(zone: string, before: RRset | null, after: RRset | null, name: string, type: string): Plan {
  const operation: PlanOperation = before === null ? 'create' : after === null ? 'delete' : 'update';
  return { zone, name, type, operation, before, after, hash: planHash({ zone, name, type, before, after }) };
}

/** Computes the plan of a (validated, normalised) recommendation against the live RRset. */
export function computePlan(rec: Recommendation, live: RRset | null): PlanResult {
  const { change } = rec;
  const zone = rec.target.zone;
  const before = live === null ? null : { ...live, records: sortRecords(live.records) };
  const after: RRset | null =
    change.kind === 'dns.upsert_rrset'
      ? { name: change.name, type: change.type, ttl: change.ttl, records: sortRecords(change.records) }
      : null;
  if (rrsetEquals(before, after)) {
    const message =
      after === null
        ? `${change.name} ${change.type} does not exist: nothing to delete`
        : `${change.name} ${change.type} already holds exactly these records and TTL`;
    return { ok: false, code: 'no_op', message };
  }
  return { ok: true, plan: build(zone, before, after, change.name, change.type) };
}

/** The plan that undoes `plan`: from its `after` back to its `before`. */
export function invertPlan(plan: Plan): Plan {
  return build(plan.zone, plan.after, plan.before, plan.name, plan.type);
}

/** Number of records the plan adds, removes or rewrites. */
export function recordsTouched(plan: Plan): number {
  const before = new Set(plan.before?.records ?? []);
  const after = new Set(plan.after?.records ?? []);
  const ttlChanged = plan.before !== null && plan.after !== null && plan.before.ttl !== plan.after.ttl;
  // A TTL change rewrites every record on both sides; a TTL change must never make a change look smaller.
  if (ttlChanged) return new Set([...before, ...after]).size;
  let touched = 0;
  for (const r of before) if (!after.has(r)) touched += 1;
  for (const r of after) if (!before.has(r)) touched += 1;
  return touched;
}

/** Human-readable diff lines: `- old`, `+ new`. */
export function describePlan(plan: Plan): string[] {
  const lines: string[] = [];
  const before = new Set(plan.before?.records ?? []);
  const after = new Set(plan.after?.records ?? []);
  for (const r of plan.before?.records ?? [])
    if (!after.has(r) || plan.before?.ttl !== plan.after?.ttl)
      lines.push(`- ${plan.name} ${plan.before?.ttl} ${plan.type} ${r}`);
  for (const r of plan.after?.records ?? [])
    if (!before.has(r) || plan.before?.ttl !== plan.after?.ttl)
      lines.push(`+ ${plan.name} ${plan.after?.ttl} ${plan.type} ${r}`);
  return lines;
}

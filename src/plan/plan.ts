import { hashOf } from '../hash';

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
  /** The change kind; absent in plans recorded before registrar kinds (those are DNS RRset plans). */
  readonly kind?: string;
  /** Registry locks that forbid this write: lifted just before it and put back right after. */
  readonly guard?: Guard;
  /** Kind-specific inputs that are not state, e.g. the name of a transfer's auth-code secret (never the secret). */
  readonly params?: Readonly<Record<string, string>>;
}

/** The lock state of the domain when planned, and the statuses the write needs lifted. */
export interface Guard {
  readonly locks: RRset;
  readonly lift: readonly string[];
}

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

/** Approvals bind to this: everything the write does, and nothing about when it was planned. */
export function planHash(plan: Omit<Plan, 'hash' | 'operation'>): string {
  const base = { zone: plan.zone, name: plan.name, type: plan.type, before: plan.before, after: plan.after };
  // DNS plans keep their first hash form, so a plan staged before registrar kinds hashes the same.
  const dnsOnly = plan.kind === undefined || plan.kind.startsWith('dns.');
  if (dnsOnly && plan.guard === undefined && plan.params === undefined) return hashOf({ v: 1, ...base });
  return hashOf({ v: 2, ...base, kind: plan.kind, guard: plan.guard ?? null, params: plan.params ?? null });
}

/** What a plan is made of, before its operation and hash are derived. */
export type PlanParts = Omit<Plan, 'hash' | 'operation'>;

export function buildPlan(parts: PlanParts): Plan {
  const { before, after } = parts;
  const operation: PlanOperation = before === null ? 'create' : after === null ? 'delete' : 'update';
  return { ...parts, operation, hash: planHash(parts) };
}

/** The plan that undoes `plan`: from its `after` back to its `before`, under the same locks. */
export function invertPlan(plan: Plan): Plan {
  const { hash: _hash, operation: _operation, before, after, ...rest } = plan;
  return buildPlan({ ...rest, before: after, after: before });
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

import type { Plan, RRset } from '../plan/plan';
import { buildPlan, rrsetEquals, sortRecords } from '../plan/plan';
import { actionKinds } from '../policy/catalog';
import type { ChangeKind, Subject } from './change-kind';
import type { Change } from './kind-schemas';
import { deleteRrset } from './dns-delete-rrset';
import { upsertRrset } from './dns-upsert-rrset';
import { addDs } from './registrar-add-ds';
import { removeDs } from './registrar-remove-ds';
import { setLock } from './registrar-set-lock';
import { setNameservers } from './registrar-set-nameservers';
import { transfer } from './registrar-transfer';
import { updateContacts } from './registrar-update-contacts';

export type { Change };

const modules: { readonly [K in Change['kind']]: ChangeKind<Extract<Change, { kind: K }>> } = {
  'dns.upsert_rrset': upsertRrset,
  'dns.delete_rrset': deleteRrset,
  'registrar.set_nameservers': setNameservers,
  'registrar.set_lock': setLock,
  'registrar.add_ds': addDs,
  'registrar.remove_ds': removeDs,
  'registrar.transfer': transfer,
  'registrar.update_contacts': updateContacts,
};

/**
 * The table by name. TypeScript cannot tie a union member to its own entry of the table above, so
 * this is the one place that says each module takes the changes of its own kind.
 */
const byName = new Map(Object.entries(modules) as [string, ChangeKind<Change>][]);

export const submittableKinds = [...byName.keys()];

export function kindOf<C extends Change>(change: C): ChangeKind<C> {
  return byName.get(change.kind) as ChangeKind<C>;
}

/** The module of a plan's kind; plans from before registrar kinds carry none and are RRset plans. */
export function kindOfPlan(plan: Plan): ChangeKind<Change> {
  return byName.get(plan.kind ?? 'dns.upsert_rrset') ?? upsertRrset;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; code: string; message: string };

/** What stage reads before planning: the subject's live state, and the domain's locks for registrar kinds. */
export interface LiveState {
  readonly live: RRset | null;
  readonly locks?: RRset | null;
}

/**
 * The exact before → after of a (validated, normalised) change against live state. A registrar
 * write the domain's locks forbid carries a guard: the workflow lifts those locks around it.
 */
export function computePlan(
  rec: { target: { zone: string }; change: Change },
  state: RRset | null | LiveState,
): PlanResult {
  const { live, locks } = isLiveState(state) ? state : { live: state, locks: null };
  const kind = kindOf(rec.change);
  const zone = rec.target.zone;
  const subject: Subject = kind.subject(rec.change, zone);
  const before = live === null ? null : { ...live, records: sortRecords(live.records) };
  const planned = kind.plan(rec.change, subject, before);
  if (!planned.ok) return planned;
  if (rrsetEquals(before, planned.after))
    return { ok: false, code: 'no_op', message: kind.unchanged(subject, planned.after) };
  const lift = (kind.guardedBy ?? []).filter((status) => locks?.records.includes(status) === true);
  return {
    ok: true,
    plan: buildPlan({
      zone,
      name: subject.name,
      type: subject.type,
      before,
      after: planned.after,
      kind: rec.change.kind,
      ...(lift.length > 0 && locks !== null && locks !== undefined ? { guard: { locks, lift } } : {}),
      ...(planned.params === undefined ? {} : { params: planned.params }),
    }),
  };
}

function isLiveState(state: RRset | null | LiveState): state is LiveState {
  return state !== null && 'live' in state;
}

/** Diff lines of any plan, for people. */
export function describeChange(plan: Plan): string[] {
  return kindOfPlan(plan).describe(plan);
}

/** The provider port a plan goes through. */
export function portOf(plan: Plan): ChangeKind<Change>['port'] {
  return kindOfPlan(plan).port;
}

/** The piece of live state a recommendation reads and writes (owner and type, or domain and aspect). */
export function subjectOf(rec: { target: { zone: string }; change: Change }): Subject {
  return kindOf(rec.change).subject(rec.change, rec.target.zone);
}

/**
 * "dns.upsert_rrset www.example.com. A", "registrar.set_nameservers shop.example. NS": how a change
 * is named in summaries, cards and escalations. Safe on input not yet validated.
 */
export function changeTitle(rec: { target: { zone: string }; change: Change }): string {
  if (!byName.has(rec.change.kind)) return String(rec.change.kind);
  // RRset changes are named as written, as they always were: evidence rebuilt on replay stays the same.
  const change = rec.change as Partial<Record<'name' | 'type', unknown>>;
  if (typeof change.name === 'string' && typeof change.type === 'string')
    return `${rec.change.kind} ${change.name} ${change.type}`;
  try {
    const subject = subjectOf(rec);
    return `${rec.change.kind} ${subject.name} ${subject.type}`;
  } catch {
    return rec.change.kind;
  }
}

/**
 * What two changes must not write at once. An RRset for DNS kinds; the whole domain for registrar
 * kinds, whose lock lifting touches every aspect (a relock must not race a concurrent unlock).
 */
export function exclusiveSubjectOf(rec: { target: { zone: string }; change: Change }): Subject {
  const subject = subjectOf(rec);
  return kindOf(rec.change).port === 'registry' ? { name: subject.name, type: 'DOMAIN' } : subject;
}

/** The same, from a staged plan (plans from before registrar kinds are RRset plans). */
export function exclusiveSubjectOfPlan(plan: Plan): Subject {
  return portOf(plan) === 'registry'
    ? { name: plan.name, type: 'DOMAIN' }
    : { name: plan.name, type: plan.type };
}

/** How long and how often a plan's verification asks, when its kind says (transfers); else the policy's. */
export function verificationOf(plan: Plan): ChangeKind<Change>['verification'] {
  return kindOfPlan(plan).verification;
}

export function describeRollback(plan: Plan): string {
  return kindOfPlan(plan).rollback(plan);
}

/** Whether a failed plan may be undone by its inverse (a transfer may not). */
export function isReversible(plan: Plan): boolean {
  return actionKinds.find((k) => k.kind === (plan.kind ?? 'dns.upsert_rrset'))?.reversible !== 'no';
}

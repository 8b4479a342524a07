import type { Issue } from '../issues';
import type { Plan, RRset } from '../plan/plan';
import type { RecordClass } from '../policy/catalog';

/**
 * One change kind: its checks, what it reads and plans, what the policy sees of it, and how it maps
 * onto its provider port. Adding a kind means one module like this, its schema in
 * `kind-schemas.ts`, an entry in `kinds.ts` and one in the action catalog; workflows and activities
 * only go through this shape.
 */
export interface ChangeKind<C extends { readonly kind: string }> {
  readonly kind: C['kind'];
  /**
   * The provider port that carries it out: `zone` (a DNS server's API, e.g. PowerDNS) or
   * `registry` (a domain registry over EPP). Activities pick the adapter from this, never by name.
   */
  readonly port: Port;
  /** Checks beyond the schema (names, record data) and the normal form; `zone` is absolute. */
  normalise(change: C, zone: string): Normalised<C>;
  /** The one piece of live state the change reads and writes. */
  subject(change: C, zone: string): Subject;
  /** What the subject becomes, given its live state; or why this change cannot apply to it. */
  plan(change: C, subject: Subject, live: RRset | null): Planned;
  /** What rules match on, from the change and (once staged) its plan. */
  facts(change: C, zone: string, plan: Plan | null): KindFacts;
  /** Why planning found nothing to do, when live state already is what the change asks for. */
  unchanged(subject: Subject, after: RRset | null): string;
  /** Diff lines for people (the decision card, the CLI). */
  describe(plan: Plan): string[];
  /** What undoing the plan would do, and how it is verified; or why it cannot be undone. */
  rollback(plan: Plan): string;
  /**
   * A write that completes later (a transfer waiting for the other registrar) shows as this live
   * state meanwhile: a retry must count it as written, not as state that moved.
   */
  inFlight?(plan: Plan, live: RRset | null): boolean;
  /**
   * A write the provider can only make in steps (a lock change while update-prohibited) found
   * half done by a retry: true when `live` is such a step, so the retry finishes from there.
   */
  resumable?(plan: Plan, live: RRset | null): boolean;
  /**
   * Writes that complete on someone else's time (a transfer waits for the losing registrar, or
   * auto-approval after days): how long verification keeps waiting, and how often it asks.
   */
  readonly verification?: { readonly patienceSeconds: number; readonly roundSeconds: number };
  /** Registry statuses that forbid writing this subject; a plan lifts the ones set, then puts them back. */
  readonly guardedBy?: readonly string[];
}

export type Port = 'zone' | 'registry';

/** A piece of provider state: an RRset of a zone, or one aspect (NS, DS, LOCK, …) of a domain. */
export interface Subject {
  readonly name: string;
  readonly type: string;
}

export type Normalised<C> = { ok: true; change: C } | { ok: false; issues: Issue[] };

export type Planned =
  | { ok: true; after: RRset | null; params?: Readonly<Record<string, string>> }
  | { ok: false; code: string; message: string };

/** The kind-specific part of the policy facts. */
export interface KindFacts {
  readonly name: string;
  readonly apex: boolean;
  readonly wildcard: boolean;
  /** The record type for DNS kinds; '' for registrar kinds (they have none). */
  readonly type: string;
  readonly classes: readonly RecordClass[];
  readonly operation: 'create' | 'update' | 'delete' | null;
  /** The change removes a registrar lock (transfer, update or delete prohibition). */
  readonly unlocks: boolean;
}

import type { Subject } from '../../src/kinds/change-kind';
import type { Plan, RRset } from '../../src/plan/plan';
import type { RrsetAnswer } from '../dns/query';

/**
 * The four steps every change kind goes through, whatever carries it out: read live state, (plan,
 * in `src/kinds`), write by compare-and-set, verify from outside the provider. The change
 * activities pick an adapter by the kind's port; nothing upstream knows which provider it is.
 */
export interface ProviderPort {
  /** The subject's live state; for registry subjects also the domain's locks. */
  read(zone: string, subject: Subject): Promise<PortRead>;
  /**
   * Writes `plan.after` over `plan.before`. The caller has just read live state equal to
   * `before`; a provider that can compare-and-set itself does so again.
   */
  write(plan: Plan, transaction: TransactionIds): Promise<readonly Receipt[]>;
  /** Passes when what the world sees is `expected`; otherwise throws a typed verification failure. */
  verify(plan: Plan, expected: RRset | null): Promise<VerifyResult>;
}

export interface PortRead {
  readonly live: RRset | null;
  /** The registry locks on the domain (a LOCK set), for registry subjects. */
  readonly locks?: RRset | null;
  /** Records in the zone (blast radius), where the provider knows it. */
  readonly zoneRecords?: number;
  /**
   * The stamps countersign's writes left on the live state ({@link writeStamp}), where the provider
   * keeps them with the data, written in the same transaction; absent where it keeps none (the
   * registry, an RRset that does not exist).
   */
  readonly stamps?: readonly string[];
}

/**
 * What a write leaves on the data where the provider keeps it (a PowerDNS RRset comment): the
 * write's transaction (the workflow, the activity; the same for each attempt) and the plan. Read
 * back by a retry that finds the plan's `after` already live: its own stamp proves the earlier
 * attempt wrote it and only the answer was lost.
 */
export function writeStamp(transaction: TransactionIds, plan: Pick<Plan, 'hash'>): string {
  return `countersign ${transaction.base} plan ${plan.hash}`;
}

/** Numbers a write's provider transactions so a retry is recognisable in the provider's records. */
export interface TransactionIds {
  /** Same for every attempt of one activity of one workflow. */
  readonly base: string;
  readonly attempt: number;
}

/** One provider transaction: what the evidence keeps of a write (the server's own transaction id). */
export interface Receipt {
  readonly command: string;
  readonly clTRID: string;
  readonly svTRID: string;
  readonly code: number;
}

export interface VerifyResult {
  readonly answers: readonly RrsetAnswer[];
}

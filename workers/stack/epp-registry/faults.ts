import type { ResultCode } from './results';

/**
 * Faults the admin API injects into the next matching commands, to test how a client copes:
 * - "fail": answer with an error code (2400 by default; 2500 also closes the connection) and
 *   change nothing;
 * - "drop-before-apply": close the connection without answering and without applying;
 * - "drop-after-apply": apply and persist the change, then close without answering: a crash
 *   between the write and its acknowledgement, the case idempotent clients must survive;
 * - "hang-after-apply": apply and persist, then never answer and keep the connection open: the
 *   client waits until it gives up, or until its worker is killed meanwhile.
 */

export type FaultMode = 'fail' | 'drop-after-apply' | 'drop-before-apply' | 'hang-after-apply';

export interface FaultRule {
  readonly id: number;
  /** e.g. "domain:update", "login", "poll". */
  readonly command: string;
  readonly mode: FaultMode;
  readonly code: ResultCode;
  /** Only commands about this object (domain/host name, contact id), when set. */
  readonly object?: string;
  /** How many more matching commands it applies to. */
  remaining: number;
}

export class FaultPlan {
  private rules: FaultRule[] = [];
  private nextId = 1;

  add(rule: Omit<FaultRule, 'id' | 'remaining'> & { times: number }): FaultRule {
    const { times, ...rest } = rule;
    const added: FaultRule = { ...rest, id: this.nextId++, remaining: times };
    this.rules.push(added);
    return added;
  }

  /** The first rule matching this command, counted as used; undefined when none. */
  take(command: string, object: string | null): FaultRule | undefined {
    const rule = this.rules.find(
      (r) => r.remaining > 0 && r.command === command && (r.object === undefined || r.object === object),
    );
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return rule;
  }

  list(): readonly FaultRule[] {
    return this.rules;
  }

  clear(): void {
    this.rules = [];
  }
}

import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { ChangeActivities, ExecuteResult } from '../activities/change-activities';
import { nonRetryableFailureTypes } from '../src/failures';
import type { Plan } from '../src/plan/plan';
import { buildPlan, invertPlan, sortRecords } from '../src/plan/plan';
import type { ChangeRun } from './change-run';

const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  nonRetryableErrorTypes: nonRetryableFailureTypes,
};
// A relock is tried briefly first, so a domain left unlocked is known within seconds...
const quickly = proxyActivities<ChangeActivities>({
  startToCloseTimeout: '30s',
  retry: { ...retry, maximumInterval: '4s', maximumAttempts: 3 },
});
// ...and then, with people alerted, with more patience than any other write: ~15 minutes.
const patiently = proxyActivities<ChangeActivities>({
  startToCloseTimeout: '30s',
  retry: { ...retry, maximumInterval: '60s', maximumAttempts: 20 },
});

/** Tells people at once that a domain was left without its lock. */
export type UnlockedAlert = (problem: string) => Promise<void>;

/**
 * Registry locks lifted for one write: lift, run the write and its verification inside `around`,
 * and the locks go back exactly once, whatever failed, verified at the registry. The relock puts
 * back exactly the statuses lifted, on top of whatever else is there by then. A relock that fails
 * its first quick tries alerts people at once and keeps trying; a domain it cannot relock marks
 * the change `leftUnlocked`.
 */
export class LockGuard {
  private attempted = false;
  private restoring: Promise<boolean> | null = null;

  constructor(
    private readonly run: ChangeRun,
    private readonly liftPlan: Plan,
    private readonly alert: UnlockedAlert,
  ) {}

  /** Lifts the locks; false when they are no longer what the plan was made against (nothing left lifted). */
  async lift(): Promise<boolean> {
    this.attempted = true;
    let lifted: ExecuteResult;
    try {
      lifted = await quickly.execute(this.liftPlan);
    } catch (err) {
      // The unlock may have landed before its answer was lost: put the locks back to be sure.
      await this.restore();
      throw err;
    }
    this.record('unlock', lifted, `locks lifted for the write: ${this.statuses().join(', ')}`);
    if (lifted.outcome !== 'stale') return true;
    // The locks moved. An earlier attempt of this very lift may have landed first: if a lifted
    // status is missing now, put it back before the change is re-staged.
    const live = lifted.live?.records ?? [];
    if (this.statuses().every((s) => live.includes(s))) this.attempted = false;
    else await this.restore();
    return false;
  }

  /** Runs `work`; if it throws, the locks go back before the error goes on. */
  async around<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      await this.restore();
      throw err;
    }
  }

  /** Puts the locks back (once) and verifies them; false when the domain is left unlocked. */
  restore(): Promise<boolean> {
    if (!this.attempted) return Promise.resolve(true);
    this.restoring ??= this.relock();
    return this.restoring;
  }

  private async relock(): Promise<boolean> {
    const first = await this.tryRelock(quickly);
    if (first === true) return true;
    await this.alert(first);
    const again = await this.tryRelock(patiently);
    if (again === true) {
      this.run.record({
        stream: 'operation',
        step: 'relocked_after_alert',
        actor: 'countersign',
        summary: 'the registry locks are back after all; the alert stands for people to check',
      });
      return true;
    }
    this.run.leftUnlocked = true;
    return false;
  }

  /** One relock, verified; true, or what went wrong. */
  private async tryRelock(io: typeof quickly): Promise<true | string> {
    const wanted = this.statuses();
    try {
      let relock = invertPlan(this.liftPlan);
      let done = await io.execute(relock);
      if (done.outcome === 'stale') {
        const live = done.live?.records ?? [];
        // Other statuses moved meanwhile: put back exactly what was lifted, on top of them.
        relock = buildPlan({
          zone: relock.zone,
          name: relock.name,
          type: relock.type,
          kind: 'registrar.set_lock',
          before: done.live,
          after: {
            name: relock.name,
            type: relock.type,
            ttl: 0,
            records: sortRecords([...new Set([...live, ...wanted])]),
          },
        });
        if (wanted.every((s) => live.includes(s))) done = { outcome: 'already_applied', live: done.live };
        else done = await io.execute(relock);
        if (done.outcome === 'stale')
          throw new LockNotRestored(
            `the domain's locks kept moving (now ${done.live?.records.join(', ') ?? 'none'})`,
          );
      }
      this.record('relock', done, `locks put back: ${wanted.join(', ')}`);
      const verified = await io.verify(relock, relock.after);
      this.run.record({
        stream: 'operation',
        step: 'relock_verified',
        actor: 'countersign',
        summary: `the registry shows ${wanted.join(', ')} again`,
        data: verified,
      });
      return true;
    } catch (err) {
      if (!(err instanceof ActivityFailure) && !(err instanceof LockNotRestored)) throw err;
      const problem = err instanceof ActivityFailure ? (err.cause?.message ?? err.message) : err.message;
      this.run.record({
        stream: 'operation',
        step: 'relock_failed',
        actor: 'countersign',
        summary: `the registry locks could not be put back: ${problem}`,
      });
      return problem;
    }
  }

  /** The statuses this guard lifts. */
  private statuses(): string[] {
    const after = this.liftPlan.after?.records ?? [];
    return (this.liftPlan.before?.records ?? []).filter((s) => !after.includes(s));
  }

  private record(step: 'unlock' | 'relock', result: ExecuteResult, summary: string): void {
    this.run.record({
      stream: 'operation',
      step: `${step}_${result.outcome}`,
      actor: 'countersign',
      summary:
        result.outcome === 'stale'
          ? `${step}: the domain's locks moved; nothing written`
          : result.outcome === 'already_applied'
            ? `${step}: the registry already showed it; nothing written`
            : summary,
      data: {
        planHash: this.liftPlan.hash,
        live: result.live,
        ...(result.outcome !== 'stale' && result.receipts !== undefined ? { receipts: result.receipts } : {}),
      },
    });
  }
}

class LockNotRestored extends Error {}

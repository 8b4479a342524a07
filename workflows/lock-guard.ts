import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { ChangeActivities, ExecuteResult } from '../activities/change-activities';
import { nonRetryableFailureTypes } from '../src/failures';
import type { Plan } from '../src/plan/plan';
import { invertPlan } from '../src/plan/plan';
import type { ChangeRun } from './change-run';

// Putting a lock back is worth more patience than any other write: ~15 minutes of retries.
const relocker = proxyActivities<ChangeActivities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '60s',
    maximumAttempts: 20,
    nonRetryableErrorTypes: nonRetryableFailureTypes,
  },
});

/** Tells people at once that a domain was left without its lock. */
export type UnlockedAlert = (problem: string) => Promise<void>;

/**
 * Registry locks lifted for one write: lift, run the write and its verification inside `around`,
 * and the locks go back exactly once, whatever failed, verified at the registry. A domain that
 * cannot be relocked is escalated at once and the change does not close as a success.
 */
export class LockGuard {
  private attempted = false;
  private restoring: Promise<boolean> | null = null;

  constructor(
    private readonly run: ChangeRun,
    private readonly liftPlan: Plan,
    private readonly alert: UnlockedAlert,
  ) {}

  /** Lifts the locks; false when they are no longer what the plan was made against (nothing lifted). */
  async lift(): Promise<boolean> {
    this.attempted = true;
    let lifted: ExecuteResult;
    try {
      lifted = await relocker.execute(this.liftPlan);
    } catch (err) {
      // The unlock may have landed before its answer was lost: put the locks back to be sure.
      await this.restore();
      throw err;
    }
    this.record('unlock', lifted, `locks lifted for the write: ${this.lifted().join(', ')}`);
    if (lifted.outcome === 'stale') this.attempted = false;
    return lifted.outcome !== 'stale';
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
    const relock = invertPlan(this.liftPlan);
    const wanted = relock.after?.records ?? [];
    try {
      const done = await relocker.execute(relock);
      this.record('relock', done, `locks put back: ${this.lifted().join(', ')}`);
      // Someone else relocked meanwhile: fine as long as every lifted status is back.
      if (done.outcome === 'stale' && !wanted.every((s) => done.live?.records.includes(s) === true))
        throw new LockNotRestored(
          `the domain's locks moved while they were lifted (now ${done.live?.records.join(', ') ?? 'none'})`,
        );
      const verified = await relocker.verify(relock, relock.after);
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
      await this.alert(problem);
      return false;
    }
  }

  private lifted(): string[] {
    const after = this.liftPlan.after?.records ?? [];
    return (this.liftPlan.before?.records ?? []).filter((s) => !after.includes(s));
  }

  private record(step: 'unlock' | 'relock', result: ExecuteResult, summary: string): void {
    this.run.record({
      stream: 'operation',
      step: `${step}_${result.outcome}`,
      actor: 'countersign',
      summary: result.outcome === 'stale' ? `${step}: the domain's locks moved; nothing written` : summary,
      data: {
        planHash: this.liftPlan.hash,
        live: result.live,
        ...(result.outcome !== 'stale' && result.receipts !== undefined ? { receipts: result.receipts } : {}),
      },
    });
  }
}

class LockNotRestored extends Error {}

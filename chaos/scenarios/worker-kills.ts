import path from 'node:path';
import { percentile } from '../../bench/stats';
import { globalScope } from '../../src/governor/scope';
import { auditChanges } from '../audit';
import type { ChangeKind, TrackedChange } from '../changes';
import { approveSigned, errorText, prepareChange, sleep, stillRunning, waitAllClosed } from '../changes';
import type { ChaosRun, Scenario } from '../context';
import type { ChaosRow } from '../report';
import { auditColumns, auditFindings } from '../report';
import { scenarioWorker, scenarioWorkspace } from '../workspace';
import { countNotifications, notificationColumns, notificationDetails } from '../notifications';

export interface WorkerKillOptions {
  /** SIGKILLs of the worker process, each followed by a restart. */
  readonly kills: number;
  /**
   * New changes per second while the kills go on, whatever the worker's state (an AIOps system does
   * not wait for the worker): fresh work is always queued, so kills land on work in progress.
   */
  readonly ratePerSecond: number;
  /** Submissions pause while this many of the scenario's changes are still running. */
  readonly maxInFlight: number;
  /** Each incarnation lives a random time in [minUptimeMs, maxUptimeMs] after it starts polling. */
  readonly minUptimeMs: number;
  readonly maxUptimeMs: number;
  /** After the last kill: how long every change has to reach a final state. */
  readonly settleMs: number;
}

const mix: readonly ChangeKind[] = ['auto', 'tier2', 'tier3'];

/**
 * Scenario 1: the change worker, in a process of its own, is SIGKILLed at random moments and
 * restarted, while auto, tier 2 and tier 3 changes flow through it and get their signed approvals.
 * Afterwards every change must have executed exactly once, with its approvals, with evidence that
 * verifies, and without a single failed workflow task.
 */
export function workerKills(options: WorkerKillOptions): Scenario {
  return {
    name: 'worker SIGKILL',
    async run(ctx: ChaosRun): Promise<ChaosRow[]> {
      const started = performance.now();
      const workspace = scenarioWorkspace(ctx, {
        taskQueue: `chaos-kill-${ctx.runId}`,
        evidenceDir: path.join(ctx.dataDir, 'evidence-worker-kills'),
        logFile: path.join(ctx.dataDir, 'worker-kills.log'),
      });
      const { taskQueue, evidenceDir, logFile, cs } = workspace;
      const worker = scenarioWorker(ctx, workspace);
      await worker.start();

      const changes: TrackedChange[] = [];
      const tasks: Promise<void>[] = [];
      const harnessErrors: string[] = [];
      // Open-ended while the kills go on; fixed once they end, so every wait below is bounded.
      let deadline = Number.POSITIVE_INFINITY;
      let arriving = true;
      const ids = new Set<string>();
      const submitOne = async (index: number) => {
        const kind = mix[index % mix.length] as ChangeKind;
        try {
          const change = await prepareChange(ctx.pdns, ctx.runId, 'k', kind, index);
          changes.push(change);
          ids.add(change.workflowId);
          await cs.submit(change.recommendation);
          if (kind === 'auto') return;
          const problem = await approveSigned(cs, ctx.approvers, change, () => deadline);
          if (problem !== null)
            harnessErrors.push(`${change.workflowId}: approval not delivered: ${problem}`);
        } catch (err) {
          harnessErrors.push(`change ${index}: ${errorText(err)}`);
        }
      };
      const arrivals = (async () => {
        if (options.ratePerSecond <= 0) return;
        let inFlight = 0;
        let countedAt = 0;
        let index = 0;
        while (arriving) {
          if (Date.now() - countedAt > 2000) {
            inFlight = (await stillRunning(ctx.client, taskQueue, ids).catch(() => ids)).size;
            countedAt = Date.now();
          }
          if (inFlight < options.maxInFlight) {
            tasks.push(submitOne(index));
            index += 1;
            inFlight += 1;
          }
          await sleep(1000 / options.ratePerSecond);
        }
      })();

      const recoverMs: number[] = [];
      const startFailures: string[] = [];
      let kills = 0;
      // A generous cap on the whole loop, so it ends by itself even if every restart is slow.
      const killLoopEnds = Date.now() + options.kills * (options.maxUptimeMs + 20_000);
      try {
        for (let k = 0; k < options.kills && Date.now() < killLoopEnds; k += 1) {
          const uptime = options.minUptimeMs + ctx.random() * (options.maxUptimeMs - options.minUptimeMs);
          await sleep(uptime);
          // The kill waits for the replacement's code to be loaded, so the recovery measured is the
          // worker's own start, not Node loading modules.
          await worker.standbyLoaded();
          const t0 = performance.now();
          // A worker that died on its own is restarted too, and counted below.
          if (worker.running) {
            await worker.kill();
            kills += 1;
          }
          try {
            await worker.start();
          } catch (err) {
            // A replacement that cannot start is a finding; a second, fresh one must.
            startFailures.push(errorText(err));
            await worker.start();
          }
          recoverMs.push(performance.now() - t0);
          if ((k + 1) % 25 === 0)
            ctx.progress(`chaos: ${k + 1}/${options.kills} kills, ${changes.length} changes submitted`);
        }
      } finally {
        arriving = false;
        deadline = Date.now() + options.settleMs;
      }
      if (!worker.running) await worker.start();
      await arrivals;
      await Promise.all(tasks);
      await waitAllClosed(ctx.client, cs, taskQueue, changes, Math.max(0, deadline - Date.now()));
      ctx.progress(`chaos: auditing ${changes.length} changes`);
      const audit = await auditChanges(
        { cs, pdns: ctx.pdns, approvers: ctx.approvers, evidenceDir },
        changes,
      );
      // The governors saw every change once, whatever was killed mid-admission, and hold nothing now.
      const governor = await cs.governorStatus(globalScope);
      const governorProblems = [
        ...(governor.counters.admitted === changes.length
          ? []
          : [
              `the global governor admitted ${governor.counters.admitted} changes, ${changes.length} were submitted`,
            ]),
        ...(governor.queue.length === 0
          ? []
          : [`${governor.queue.length} changes left in the global review queue`]),
        ...(governor.inFlight === 0
          ? []
          : [`${governor.inFlight} closed changes never released by the global governor`]),
      ];
      const crashes = worker.unexpectedExits;
      const notifications = countNotifications([logFile]);
      const notified = notificationColumns(
        notifications,
        changes.filter((c) => c.kind === 'auto').map((c) => c.workflowId),
      );
      await worker.stop();

      const byKind = (kind: ChangeKind) => changes.filter((c) => c.kind === kind).length;
      return [
        {
          scenario: 'worker SIGKILL',
          faults: `${kills} worker SIGKILLs`,
          changes: changes.length,
          ...auditColumns(audit),
          ...notified.columns,
          wallMs: performance.now() - started,
          recoverP50Ms: recoverMs.length === 0 ? null : percentile(recoverMs, 50),
          recoverMaxMs: recoverMs.length === 0 ? null : Math.max(...recoverMs),
          details: [
            ...notificationDetails(notifications),
            ['changes auto / tier 2 / tier 3', `${byKind('auto')} / ${byKind('tier2')} / ${byKind('tier3')}`],
            ['executed', audit.executed],
            ['worker SIGKILLs (each followed by a restart)', kills],
            ['worker exits nobody asked for', crashes],
            ['replacement workers that failed to start', startFailures.length],
            [
              'recover = SIGKILL → replacement worker polling, p50 / p95',
              `${((percentile(recoverMs, 50) || 0) / 1000).toFixed(2)} s / ${((percentile(recoverMs, 95) || 0) / 1000).toFixed(2)} s`,
            ],
            ['workflow tasks timed out (their worker was killed)', audit.workflowTaskTimeouts],
            ['activities retried after an attempt timed out (killed mid-activity)', audit.activityTimeouts],
            ['… of them execute (the PowerDNS write)', audit.executeTimeouts],
            ['activities retried for any reason', audit.activityRetries],
            [
              'stall of a change caught by a kill (task scheduled → picked up again), p50 / max',
              audit.stallsMs.length === 0
                ? '–'
                : `${(percentile(audit.stallsMs, 50) / 1000).toFixed(1)} s / ${(Math.max(...audit.stallsMs) / 1000).toFixed(1)} s`,
            ],
            ['evidence bundles missing', audit.bundlesMissing.length],
            [
              'global governor: admitted / submitted, queued, in flight at the end',
              `${governor.counters.admitted} / ${changes.length}, ${governor.queue.length}, ${governor.inFlight} (continued-as-new ${governor.run - 1}×)`,
            ],
            ['harness errors (approvals not delivered, submissions failed)', harnessErrors.length],
          ],
          findings: [
            ...auditFindings(audit),
            ...notified.findings,
            ...governorProblems,
            ...startFailures.slice(0, 10).map((e) => `a replacement worker did not start: ${e}`),
            ...harnessErrors.slice(0, 10).map((e) => `harness: ${e}`),
          ],
        },
      ];
    },
  };
}

import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { stateClause } from '../../src/change/execution-status';
import { dataConverter } from '../../src/payloads/data-converter';
import { stateKey } from '../../src/search-attributes';
import { freePort } from '../../workers/stack/processes';
import type { TemporalDevServer, TemporalDevServerOptions } from '../../workers/stack/temporal-dev-server';
import { startTemporalDevServer } from '../../workers/stack/temporal-dev-server';
import { auditChanges, countTaskFailures } from '../audit';
import type { ChangeKind, TrackedChange } from '../changes';
import {
  approveSigned,
  describeChange,
  errorText,
  forEachLimited,
  parkedOnlyChange,
  prepareChange,
  sleep,
  waitAllClosed,
} from '../changes';
import type { ChaosRun, Scenario } from '../context';
import { createCountedZone } from '../pdns-zones';
import type { ChaosRow } from '../report';
import { auditColumns, auditFindings } from '../report';
import { scenarioWorker, scenarioWorkspace } from '../workspace';
import { countNotifications, notificationColumns, notificationDetails } from '../notifications';

export interface ServerRestartOptions {
  /** Changes parked in awaiting_approval across the server kill, then approved and executed. */
  readonly parked: number;
  /** Changes parked when the worker's memory is measured (the first `parked` of them are the ones above). */
  readonly memoryParked: number;
  /** Bound on parking everything, and on approving and executing after the restart. */
  readonly parkTimeoutMs: number;
  readonly settleMs: number;
}

const MiB = 1024;

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(50);
  }
  return false;
}

/**
 * Scenario 2: a Temporal dev server of its own (never the shared one), with changes parked in
 * awaiting_approval, is SIGKILLed and started again on the same SQLite file and ports. Every parked
 * change must still be there, with no history lost; approved afterwards, each must execute exactly
 * once. Also measures the worker process's resident memory with many changes parked.
 */
export function serverRestart(options: ServerRestartOptions): Scenario {
  return {
    name: 'Temporal server SIGKILL',
    async run(ctx: ChaosRun): Promise<ChaosRow[]> {
      const started = performance.now();
      const findings: string[] = [];
      const serverOptions: TemporalDevServerOptions = {
        bin: ctx.temporalBin,
        dataDir: path.join(ctx.dataDir, 'temporal-restart'),
        port: await freePort(),
        uiPort: await freePort(),
        headless: true,
      };
      let server: TemporalDevServer = await startTemporalDevServer(serverOptions);
      ctx.defer(() => server.stop());
      const connection = await Connection.connect({ address: server.address });
      ctx.defer(() => connection.close());
      const client = new Client({ connection, dataConverter });
      const workspace = scenarioWorkspace(ctx, {
        taskQueue: `chaos-park-${ctx.runId}`,
        evidenceDir: path.join(ctx.dataDir, 'evidence-server-restart'),
        logFile: path.join(ctx.dataDir, 'worker-server-restart.log'),
        client,
      });
      const { taskQueue, cs, evidenceDir, logFile } = workspace;
      const worker = scenarioWorker(ctx, workspace, { temporalAddress: server.address });
      await worker.start();
      await sleep(1000);
      const idle = worker.memory();

      // The changes under test each get a counted zone; the extra ones parked for the memory
      // measurement share one zone, since they are never approved and never written.
      const total = Math.max(options.parked, options.memoryParked);
      const tested: TrackedChange[] = [];
      const kinds: ChangeKind[] = ['tier2', 'tier3'];
      ctx.progress(`chaos: creating ${options.parked} zones`);
      await forEachLimited(
        Array.from({ length: options.parked }, (_, i) => i),
        4,
        async (i) => {
          tested.push(await prepareChange(ctx.pdns, ctx.runId, 'r', kinds[i % 2] as ChangeKind, i));
        },
      );
      const extra: TrackedChange[] = [];
      if (total > options.parked) {
        const shared = `shared.r.${ctx.runId}.chaos.test.`;
        await createCountedZone(ctx.pdns, shared, []);
        for (let i = options.parked; i < total; i += 1)
          extra.push(parkedOnlyChange(ctx.runId, 'r', shared, i));
      }
      const all = [...tested, ...extra];

      ctx.progress(`chaos: parking ${total} changes in awaiting_approval`);
      const parkStarted = performance.now();
      const submitErrors: string[] = [];
      await forEachLimited(all, 16, async (change) => {
        await cs.submit(change.recommendation).catch((err: unknown) => {
          submitErrors.push(`${change.workflowId}: ${errorText(err)}`);
        });
      });
      const parkedQuery = `TaskQueue = '${taskQueue}' AND ${stateClause('awaiting_approval', stateKey.name)}`;
      let parked = 0;
      let atMemoryParked: { rssKiB: number; peakKiB: number } | undefined;
      const parkDeadline = Date.now() + options.parkTimeoutMs;
      while (Date.now() < parkDeadline) {
        parked = (await client.workflow.count(parkedQuery)).count;
        if (atMemoryParked === undefined && parked >= options.memoryParked) atMemoryParked = worker.memory();
        if (parked >= total) break;
        await sleep(1000);
      }
      const parkMs = performance.now() - parkStarted;
      atMemoryParked ??= worker.memory();
      if (parked < total)
        findings.push(`only ${parked} of ${total} changes reached awaiting_approval in time`);

      const lengthBefore = new Map<string, number>();
      await forEachLimited(all, 16, async (change) => {
        const d = await describeChange(cs, change.id).catch(() => undefined);
        if (d !== undefined) lengthBefore.set(change.workflowId, d.historyLength);
      });

      ctx.progress(
        `chaos: SIGKILL of the Temporal dev server (pid ${server.pid}) with ${parked} changes parked`,
      );
      const killedAt = performance.now();
      process.kill(server.pid, 'SIGKILL');
      if (!(await gone(server.pid, 15_000))) throw new Error(`the dev server ${server.pid} survived SIGKILL`);
      server = await startTemporalDevServer(serverOptions);
      const serverUpMs = performance.now() - killedAt;
      // Recovered when a parked change answers a query again: server up, worker reconnected, state replayed.
      let recoverMs: number | null = null;
      const probe = tested[0] ?? extra[0];
      const recoverDeadline = Date.now() + 120_000;
      while (probe !== undefined && Date.now() < recoverDeadline) {
        const answered = await cs.status(probe.id).then(
          () => true,
          () => false,
        );
        if (answered) {
          recoverMs = performance.now() - killedAt;
          break;
        }
        await sleep(200);
      }
      if (!worker.running) {
        findings.push('the worker process exited while the server was down; restarted');
        await worker.start();
      }

      const survived = new Set<string>();
      const lostParked: string[] = [];
      await forEachLimited(all, 16, async (change) => {
        const d = await describeChange(cs, change.id).catch((err: unknown) => errorText(err));
        if (typeof d === 'string') return void lostParked.push(`${change.workflowId}: ${d}`);
        const before = lengthBefore.get(change.workflowId) ?? 0;
        if (d.status !== 'RUNNING' || d.state !== 'awaiting_approval')
          return void lostParked.push(`${change.workflowId}: ${d.status} ${d.state ?? ''} after the restart`);
        if (d.historyLength < before)
          return void lostParked.push(
            `${change.workflowId}: history shrank from ${before} to ${d.historyLength} events`,
          );
        survived.add(change.workflowId);
      });

      ctx.progress(`chaos: approving ${tested.length} parked changes`);
      const approveStarted = performance.now();
      const settleDeadline = Date.now() + options.settleMs;
      const approvalErrors: string[] = [];
      await forEachLimited(tested, 24, async (change) => {
        const problem = await approveSigned(cs, ctx.approvers, change, () => settleDeadline);
        if (problem !== null) approvalErrors.push(`${change.workflowId}: approval not delivered: ${problem}`);
      });
      await waitAllClosed(client, cs, taskQueue, tested, Math.max(0, settleDeadline - Date.now()));
      const approveMs = performance.now() - approveStarted;
      ctx.progress(`chaos: auditing ${tested.length} changes`);
      const audit = await auditChanges({ cs, pdns: ctx.pdns, approvers: ctx.approvers, evidenceDir }, tested);
      const extraFailures = await countTaskFailures(cs, extra);
      const after = worker.memory();
      const crashes = worker.unexpectedExits;
      const notifications = countNotifications([logFile]);
      const notified = notificationColumns(notifications, []);
      await worker.stop();

      const mib = (kib: number) => `${(kib / MiB).toFixed(0)} MiB`;
      return [
        {
          scenario: 'Temporal server SIGKILL',
          faults: `1 server SIGKILL, ${parked} parked`,
          changes: tested.length,
          ...auditColumns(audit),
          ...notified.columns,
          lost: audit.lost.length + lostParked.length,
          taskFailures: audit.taskFailures + extraFailures.length,
          wallMs: performance.now() - started,
          recoverP50Ms: recoverMs,
          recoverMaxMs: recoverMs,
          details: [
            ...notificationDetails(notifications),
            [
              'parked before the kill (tested + memory-only)',
              `${parked} (${tested.length} + ${extra.length})`,
            ],
            ['parked changes still awaiting approval after the restart', `${survived.size} of ${all.length}`],
            ['tested changes approved and executed', `${audit.executed} of ${tested.length}`],
            ['time to park', `${(parkMs / 1000).toFixed(1)} s`],
            ['SIGKILL → dev server answering again', `${(serverUpMs / 1000).toFixed(1)} s`],
            [
              'recover = SIGKILL → a parked change answers its query',
              recoverMs === null ? 'never' : `${(recoverMs / 1000).toFixed(1)} s`,
            ],
            ['approve + execute after the restart', `${(approveMs / 1000).toFixed(1)} s`],
            ['worker RSS idle (VmRSS)', mib(idle.rssKiB)],
            [`worker RSS with ${options.memoryParked} parked (VmRSS)`, mib(atMemoryParked.rssKiB)],
            ['worker RSS at the end / peak (VmHWM)', `${mib(after.rssKiB)} / ${mib(after.peakKiB)}`],
            ['worker exits nobody asked for', crashes],
            ['evidence bundles missing', audit.bundlesMissing.length],
          ],
          findings: [
            ...findings,
            ...auditFindings(audit),
            ...notified.findings,
            ...lostParked.slice(0, 10).map((l) => `parked change lost: ${l}`),
            ...extraFailures.slice(0, 10).map((f) => `workflow task failure: ${f.workflowId}: ${f.detail}`),
            ...submitErrors.slice(0, 10).map((e) => `harness: submit failed: ${e}`),
            ...approvalErrors.slice(0, 10).map((e) => `harness: ${e}`),
          ],
        },
      ];
    },
  };
}

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { percentile } from '../../bench/stats';
import type { ChangeResult } from '../../src/change/view';
import { startPowerDns } from '../../workers/stack/powerdns-server';
import { freePort } from '../../workers/stack/processes';
import { auditChanges } from '../audit';
import type { TrackedChange } from '../changes';
import { errorText, forEachLimited, mirrorZone, prepareChange, sleep, waitAllClosed } from '../changes';
import type { ChaosRun, Scenario } from '../context';
import { startHttpFaultProxy } from '../http-fault-proxy';
import { countNotifications, notificationColumns, notificationDetails } from '../notifications';
import type { ChaosRow } from '../report';
import { auditColumns, auditFindings } from '../report';
import { scenarioWorker, scenarioWorkspace } from '../workspace';

export interface CrashAfterWriteOptions {
  /** Automatic changes in each row, each in a zone of its own. */
  readonly changesPerRow: number;
  /** How long after the first held write the kill waits for the row's other writes to commit. */
  readonly gatherMs: number;
  /** After submitting: how long every change of a row has to reach a final state. */
  readonly settleMs: number;
}

/** The goal for a restarted worker: polling again within this long of its predecessor's death. */
export const restartGoalMs = 2000;

interface Row {
  /** Short, in zone names and task queues. */
  readonly label: string;
  readonly name: string;
  /** Which PATCH of each change's zone the kill follows: 1 the change's write, 2 its rollback's. */
  readonly write: 1 | 2;
  /** `fail`: a secondary that never receives the change must also serve it, so verification fails. */
  readonly verification: 'pass' | 'fail';
}

const rows: readonly Row[] = [
  {
    label: 'xw',
    name: "kill after the change's write, verification passes",
    write: 1,
    verification: 'pass',
  },
  {
    label: 'xf',
    name: "kill after the change's write, verification fails",
    write: 1,
    verification: 'fail',
  },
  {
    label: 'xr',
    name: "kill after the rollback's write, verification fails",
    write: 2,
    verification: 'fail',
  },
];

/**
 * Scenario: the worker is SIGKILLed after PowerDNS committed a write and before the worker heard
 * so (a proxy in front of the PowerDNS API holds the answer, the harness kills the worker, the
 * answer is dropped), at each step that writes: the change's write (verification set to pass, and
 * to fail) and the rollback's. The retried write must know the records as its own: executed
 * without a second write when verification passes, rolled back when it fails, and the evidence
 * never saying someone else wrote them. Each restart is a cold worker process (no warm standby),
 * timed from the kill until it polls.
 */
export function crashAfterWrite(options: CrashAfterWriteOptions): Scenario {
  return {
    name: 'crash after a write',
    async run(ctx: ChaosRun): Promise<ChaosRow[]> {
      const dir = path.join(ctx.dataDir, 'crash-after-write');
      mkdirSync(dir, { recursive: true });
      const proxy = await startHttpFaultProxy(ctx.pdns.apiUrl);
      ctx.defer(() => proxy.close());
      const secondary = await startPowerDns({
        dir: path.join(dir, 'secondary'),
        apiPort: await freePort(),
        dnsPort: await freePort(),
      });
      ctx.defer(() => secondary.stop());
      const out: ChaosRow[] = [];
      for (const row of rows) {
        ctx.progress(`chaos: ${row.name} (${options.changesPerRow} changes)`);
        out.push(await runRow(ctx, row, options, proxy, secondary));
      }
      return out;
    },
  };
}

async function runRow(
  ctx: ChaosRun,
  row: Row,
  options: CrashAfterWriteOptions,
  proxy: Awaited<ReturnType<typeof startHttpFaultProxy>>,
  secondary: Awaited<ReturnType<typeof startPowerDns>>,
): Promise<ChaosRow> {
  const started = performance.now();
  const scenario = `crash after write: ${row.name}`;
  const workspace = scenarioWorkspace(ctx, {
    taskQueue: `chaos-${row.label}-${ctx.runId}`,
    evidenceDir: path.join(ctx.dataDir, 'crash-after-write', `evidence-${row.label}`),
    logFile: path.join(ctx.dataDir, 'crash-after-write', `worker-${row.label}.log`),
  });
  const { taskQueue, evidenceDir, logFile, cs } = workspace;
  const worker = scenarioWorker(ctx, workspace, {
    pdns: { apiUrl: proxy.url, apiKey: ctx.pdns.apiKey },
    dns: row.verification === 'fail' ? [ctx.dns, secondary.dns] : [ctx.dns],
    // Every restart is a cold process: the time to polling is the whole restart.
    standbys: 0,
  });

  const changes: TrackedChange[] = new Array<TrackedChange>(options.changesPerRow);
  await forEachLimited(
    Array.from({ length: options.changesPerRow }, (_, i) => i),
    4,
    async (i) => {
      const change = await prepareChange(ctx.pdns, ctx.runId, row.label, 'auto', i);
      if (row.verification === 'fail') await mirrorZone(secondary, change);
      changes[i] = change;
    },
  );
  const zoneOf = (requestPath: string) => {
    const decoded = decodeURIComponent(requestPath.split('?')[0] ?? '');
    return changes.find((c) => c.zone !== null && decoded.endsWith(`/zones/${c.zone}`));
  };

  // Every PATCH of the row's zones goes through `hold-answer`; only writes PowerDNS committed (2xx)
  // count, so a write it refused while busy (and the client's retry of it) is not mistaken for the
  // next one. The row's write of each zone has its answer dropped after the worker is killed;
  // writes that commit close together share one kill (one gathering window per kill).
  const committed = new Map<string, number>();
  const held = new Set<string>();
  /** Requests forwarded and not answered yet, with when they arrived. */
  const inFlight = new Map<string, number>();
  const restartMs: number[] = [];
  const loadMs: number[] = [];
  const pollMs: number[] = [];
  const restartErrors: string[] = [];
  let kills = 0;
  let lastKillAt = 0;
  let refused = 0;
  let pendingKill: Promise<void> | undefined;
  let restarting: Promise<void> = Promise.resolve();
  proxy.rule = (method, requestPath) => {
    const change = zoneOf(requestPath);
    if (method !== 'PATCH' || change === undefined || held.has(change.workflowId)) return 'pass';
    inFlight.set(change.workflowId, performance.now());
    return 'hold-answer';
  };
  proxy.notCommitted = (_method, requestPath) => {
    const change = zoneOf(requestPath);
    if (change === undefined) return;
    inFlight.delete(change.workflowId);
    refused += 1;
  };
  const killAndRestart = async () => {
    // Until every change's write is held, or the window closes with nothing more in flight: a
    // write still inside PowerDNS at the kill would commit for a dead worker.
    const deadline = performance.now() + options.gatherMs;
    while (
      (held.size < changes.length && performance.now() < deadline) ||
      (inFlight.size > 0 && performance.now() < deadline + 5000)
    )
      await sleep(50);
    const killedAt = performance.now();
    lastKillAt = killedAt;
    await worker.kill();
    kills += 1;
    pendingKill = undefined;
    restarting = worker.start().then(
      () => {
        restartMs.push(performance.now() - killedAt);
        loadMs.push(worker.lastStart.loadMs);
        pollMs.push(worker.lastStart.pollMs);
      },
      (err: unknown) => {
        restartErrors.push(errorText(err));
      },
    );
  };
  proxy.afterCommit = async (_method, requestPath) => {
    const change = zoneOf(requestPath);
    if (change === undefined) return 'relay';
    const arrived = inFlight.get(change.workflowId) ?? 0;
    inFlight.delete(change.workflowId);
    const n = (committed.get(change.workflowId) ?? 0) + 1;
    committed.set(change.workflowId, n);
    if (n !== row.write) return 'relay';
    held.add(change.workflowId);
    // Sent by a worker already killed: its answer is lost anyway, and the worker now running did
    // not write it, so it is not killed for it.
    if (arrived < lastKillAt) return 'drop';
    pendingKill ??= killAndRestart();
    await pendingKill;
    return 'drop';
  };

  const submitErrors: string[] = [];
  try {
    await worker.start();
    await Promise.all(
      changes.map((change) =>
        cs.submit(change.recommendation).catch((err: unknown) => {
          submitErrors.push(`${change.workflowId}: ${errorText(err)}`);
        }),
      ),
    );
    await waitAllClosed(ctx.client, cs, taskQueue, changes, options.settleMs);
    await restarting;
  } finally {
    proxy.rule = () => 'pass';
    proxy.afterCommit = () => Promise.resolve('relay');
    proxy.notCommitted = () => undefined;
  }

  const expectedState = row.verification === 'pass' ? 'executed' : 'rolled_back';
  const audit = await auditChanges(
    { cs, pdns: ctx.pdns, approvers: ctx.approvers, evidenceDir, expectedState },
    changes,
  );
  const findings: string[] = [];
  // The held write's evidence must say its answer was lost and how that is known.
  const heldStep = row.write === 1 ? 'execute_applied' : 'rollback_applied';
  let knownByStamp = 0;
  await forEachLimited(changes, 8, async (change) => {
    if (!held.has(change.workflowId)) {
      findings.push(`harness: ${change.workflowId}: its write ${row.write} never reached the proxy`);
      return;
    }
    let result: ChangeResult;
    try {
      result = await cs.handle(change.id).result();
    } catch (err) {
      findings.push(`harness: ${change.workflowId}: result unreadable: ${errorText(err)}`);
      return;
    }
    const entry = result.evidence.find((e) => e.step === heldStep);
    const how = (entry?.data as { acknowledgementLost?: string } | undefined)?.acknowledgementLost;
    if (how === 'stamp') knownByStamp += 1;
    else
      findings.push(
        `${change.workflowId}: ${heldStep} ${entry === undefined ? 'missing' : `says "${entry.summary}"`}, not an acknowledgement lost and known by its stamp`,
      );
  });
  const crashes = worker.unexpectedExits;
  const notifications = countNotifications([logFile]);
  const notified = notificationColumns(
    notifications,
    changes.map((c) => c.workflowId),
  );
  await worker.stop();

  const seconds = (values: readonly number[]) =>
    values.length === 0
      ? '–'
      : `${(percentile(values, 50) / 1000).toFixed(2)} s / ${(Math.max(...values) / 1000).toFixed(2)} s`;
  return {
    scenario,
    faults: `${kills} worker SIGKILL${kills === 1 ? '' : 's'} after ${held.size} committed write${held.size === 1 ? '' : 's'}`,
    changes: changes.length,
    ...auditColumns(audit),
    ...notified.columns,
    wallMs: performance.now() - started,
    recoverP50Ms: restartMs.length === 0 ? null : percentile(restartMs, 50),
    recoverMaxMs: restartMs.length === 0 ? null : Math.max(...restartMs),
    details: [
      ['expected end', expectedState],
      ['writes held (committed, answer dropped after the kill)', held.size],
      ['… writes PowerDNS refused (busy; passed on, not counted)', refused],
      [`${heldStep} known as this change's own by its stamp`, `${knownByStamp} of ${changes.length}`],
      ['restart = SIGKILL → cold worker polling, p50 / max', seconds(restartMs)],
      ['… process start (Node, modules, policy), p50 / max', seconds(loadMs)],
      ['… connect, load the prebuilt workflow bundle, poll, p50 / max', seconds(pollMs)],
      [
        `restarts within the ${restartGoalMs / 1000} s goal`,
        `${restartMs.filter((ms) => ms <= restartGoalMs).length} of ${restartMs.length}`,
      ],
      ['execute activities retried (any reason)', audit.executeRetries],
      ...notificationDetails(notifications),
      ['worker exits nobody asked for', crashes],
      ['harness errors (submissions failed, restarts failed)', submitErrors.length + restartErrors.length],
    ],
    findings: [
      ...findings,
      ...auditFindings(audit),
      ...notified.findings,
      ...restartErrors.slice(0, 5).map((e) => `a restarted worker did not start: ${e}`),
      ...submitErrors.slice(0, 5).map((e) => `harness: submit failed: ${e}`),
    ],
  };
}

import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { percentile } from '../../bench/stats';
import type { ChangeResult } from '../../src/change/view';
import { startPowerDns } from '../../workers/stack/powerdns-server';
import { freePort } from '../../workers/stack/processes';
import { auditChanges } from '../audit';
import type { TrackedChange } from '../changes';
import { describeChange, errorText, forEachLimited, prepareChange, sleep, waitAllClosed } from '../changes';
import type { ChaosRun, Scenario } from '../context';
import type { PdnsApi } from '../pdns-zones';
import { soaSerial } from '../pdns-zones';
import type { ChaosRow } from '../report';
import { auditColumns, auditFindings } from '../report';
import { scenarioWorker, scenarioWorkspace } from '../workspace';
import { countNotifications, notificationColumns, notificationDetails } from '../notifications';

export interface PdnsOutageOptions {
  /** Automatic changes (staging, high confidence), each into a counted zone of its own. */
  readonly changes: number;
  /** How long PowerDNS stays frozen (SIGSTOP → SIGCONT) once the first change has written. */
  readonly outageSeconds: number;
  /** Submissions are spread evenly over this long. */
  readonly spreadMs: number;
  /** The policy's verificationPatience for the worker: well above the outage. */
  readonly patienceSeconds: number;
  /** Bound on waiting for the first write before the freeze. */
  readonly firstWriteTimeoutMs: number;
  /** After SIGCONT: how long every change has to reach a final state. */
  readonly settleMs: number;
}

const scenarioName = 'PowerDNS outage';

/** Process state from /proc/<pid>/stat ('T': stopped by a signal), or null when gone. */
function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

async function twoFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  for (;;) {
    const second = await freePort();
    if (second !== first) return [first, second];
  }
}

/**
 * Scenario 4: a PowerDNS of its own (never the shared one) is frozen with SIGSTOP right after the
 * first of a burst of automatic changes has written, and thawed with SIGCONT after the outage. A
 * frozen server answers nothing, on the API or on DNS: an authoritative server that does not answer
 * is not one that answers wrongly, so every change must still end `executed`, written exactly once,
 * never rolled back, with evidence that verifies and without a failed workflow task.
 */
export function pdnsOutage(options: PdnsOutageOptions): Scenario {
  return {
    name: scenarioName,
    async run(ctx: ChaosRun): Promise<ChaosRow[]> {
      const started = performance.now();
      const findings: string[] = [];
      const dir = path.join(ctx.dataDir, 'pdns-outage');
      const evidenceDir = path.join(dir, 'evidence');
      const logFile = path.join(dir, 'worker.log');
      mkdirSync(evidenceDir, { recursive: true });
      const [apiPort, dnsPort] = await twoFreePorts();
      const server = await startPowerDns({ dir: path.join(dir, 'pdns'), apiPort, dnsPort });
      ctx.defer(() => server.stop());
      const pdns: PdnsApi = { apiUrl: server.apiUrl, apiKey: server.apiKey };

      let frozen = false;
      const thaw = () => {
        if (!frozen) return;
        process.kill(server.pid, 'SIGCONT');
        frozen = false;
      };

      const workspace = scenarioWorkspace(ctx, {
        taskQueue: `chaos-outage-${ctx.runId}`,
        evidenceDir,
        logFile,
      });
      const { taskQueue, cs } = workspace;
      const worker = scenarioWorker(ctx, workspace, {
        pdns,
        dns: server.dns,
        verificationPatienceSeconds: options.patienceSeconds,
        standbys: 0,
      });
      // Registered last, so it runs first: whatever failed, PowerDNS is thawed before anything stops.
      ctx.defer(() => Promise.resolve(thaw()));
      await worker.start();

      ctx.progress(`chaos: creating ${options.changes} zones on PowerDNS pid ${server.pid}`);
      const changes: TrackedChange[] = new Array<TrackedChange>(options.changes);
      await forEachLimited(
        Array.from({ length: options.changes }, (_, i) => i),
        4,
        async (i) => {
          changes[i] = await prepareChange(pdns, ctx.runId, 'o', 'auto', i);
        },
      );

      const submitErrors: string[] = [];
      const gap = options.changes > 1 ? options.spreadMs / (options.changes - 1) : 0;
      const submissions = changes.map(async (change, i) => {
        await sleep(i * gap);
        await cs.submit(change.recommendation).catch((err: unknown) => {
          submitErrors.push(`${change.workflowId}: ${errorText(err)}`);
        });
      });

      let frozenMs = 0;
      let writtenCount = 0;
      let resumedAtWall = 0;
      const atFreeze = new Map<string, number>();
      try {
        // The freeze waits until a quarter of the changes have written, so it lands while many are
        // writing or verifying: the window where silence used to look like a wrong answer.
        const wanted = Math.max(1, Math.ceil(changes.length / 4));
        const writeDeadline = Date.now() + options.firstWriteTimeoutMs;
        let written: TrackedChange | undefined;
        while (writtenCount < wanted) {
          if (Date.now() > writeDeadline)
            throw new Error(
              `only ${writtenCount} of ${wanted} changes wrote within ${options.firstWriteTimeoutMs / 1000} s`,
            );
          const serials = await Promise.all(
            changes.map((c) => soaSerial(pdns, c.zone as string).catch(() => c.serialBefore)),
          );
          const moved = changes.filter((c, i) => (serials[i] ?? 0) > c.serialBefore);
          writtenCount = moved.length;
          written = moved[0];
          if (writtenCount < wanted) await sleep(100);
        }
        if (written === undefined) throw new Error('no change wrote (this is a bug)');
        process.kill(server.pid, 'SIGSTOP');
        frozen = true;
        const frozenAt = performance.now();
        ctx.progress(
          `chaos: ${writtenCount} of ${changes.length} changes wrote (first ${written.workflowId}); PowerDNS pid ${server.pid} frozen (SIGSTOP) for ${options.outageSeconds} s`,
        );
        // The signal is delivered asynchronously: the process is stopped within moments, not at once.
        let state = processState(server.pid);
        for (let i = 0; i < 100 && state !== 'T'; i += 1) {
          await sleep(10);
          state = processState(server.pid);
        }
        if (state !== 'T') throw new Error(`PowerDNS pid ${server.pid} is in state ${state}, not stopped`);
        // Where the changes were when the outage began (visibility, from Temporal: PowerDNS is frozen).
        await forEachLimited(changes, 16, async (change) => {
          const d = await describeChange(cs, change.id).catch(() => undefined);
          const key = d === undefined ? 'not yet submitted' : (d.state ?? d.status.toLowerCase());
          atFreeze.set(key, (atFreeze.get(key) ?? 0) + 1);
        });
        await sleep(Math.max(0, options.outageSeconds * 1000 - (performance.now() - frozenAt)));
        if (processState(server.pid) !== 'T')
          findings.push(`PowerDNS pid ${server.pid} was not stopped for the whole outage`);
        thaw();
        resumedAtWall = Date.now();
        frozenMs = performance.now() - frozenAt;
        ctx.progress(`chaos: PowerDNS thawed (SIGCONT) after ${(frozenMs / 1000).toFixed(1)} s`);
      } finally {
        thaw();
      }

      await Promise.all(submissions);
      await waitAllClosed(ctx.client, cs, taskQueue, changes, options.settleMs);
      ctx.progress(`chaos: auditing ${changes.length} changes`);
      const audit = await auditChanges({ cs, pdns, approvers: ctx.approvers, evidenceDir }, changes);

      // What the evidence says about the outage: which changes verified through it, and how.
      const ended = new Map<string, number>();
      const hitIds: string[] = [];
      const steps = new Map<string, number>();
      const recoverMs: number[] = [];
      let maxRounds = 0;
      await forEachLimited(changes, 8, async (change) => {
        const handle = cs.handle(change.id);
        let result: ChangeResult | undefined;
        try {
          const status = (await handle.describe()).status.name;
          if (status === 'COMPLETED') result = await handle.result();
          else ended.set(status.toLowerCase(), (ended.get(status.toLowerCase()) ?? 0) + 1);
        } catch (err) {
          findings.push(`harness: ${change.workflowId}: result unreadable: ${errorText(err)}`);
          return;
        }
        if (result === undefined) return;
        ended.set(result.view.state, (ended.get(result.view.state) ?? 0) + 1);
        for (const e of result.evidence)
          if (/^(execute_|rollback_|verification_|verified$)/.test(e.step))
            steps.set(e.step, (steps.get(e.step) ?? 0) + 1);
        const rounds = result.evidence.filter((e) => e.step === 'verification_inconclusive').length;
        if (rounds === 0) return;
        hitIds.push(change.workflowId);
        maxRounds = Math.max(maxRounds, rounds);
        const verified = result.evidence.find((e) => e.step === 'verified');
        if (verified !== undefined && resumedAtWall > 0)
          recoverMs.push(Math.max(0, Date.parse(verified.at) - resumedAtWall));
      });
      const crashes = worker.unexpectedExits;
      const notifications = countNotifications([logFile]);
      const notified = notificationColumns(
        notifications,
        changes.map((c) => c.workflowId),
      );
      await worker.stop();
      await server.stop();

      const listed = (m: Map<string, number>) =>
        [...m.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || '–';
      hitIds.sort();
      return [
        {
          scenario: scenarioName,
          faults: `PowerDNS SIGSTOP ${Math.round(frozenMs / 1000)} s once ${writtenCount} of ${changes.length} wrote`,
          changes: changes.length,
          ...auditColumns(audit),
          ...notified.columns,
          wallMs: performance.now() - started,
          recoverP50Ms: recoverMs.length === 0 ? null : percentile(recoverMs, 50),
          recoverMaxMs: recoverMs.length === 0 ? null : Math.max(...recoverMs),
          details: [
            ...notificationDetails(notifications),
            ['outage (SIGSTOP → SIGCONT)', `${(frozenMs / 1000).toFixed(1)} s`],
            ['verification patience (policy)', `${options.patienceSeconds} s`],
            ['changes by state when the outage began', listed(atFreeze)],
            ['changes by final state', listed(ended)],
            [
              'changes whose verification met the outage (≥ 1 verification_inconclusive)',
              `${hitIds.length} of ${changes.length}`,
            ],
            ['… most inconclusive rounds in one change', maxRounds],
            ['… examples', hitIds.slice(0, 3).join(', ') || '–'],
            [
              'recover = SIGCONT → verified, for those changes, p50 / max',
              recoverMs.length === 0
                ? '–'
                : `${(percentile(recoverMs, 50) / 1000).toFixed(1)} s / ${(Math.max(...recoverMs) / 1000).toFixed(1)} s`,
            ],
            ['evidence steps (execute, verification, rollback)', listed(steps)],
            ['execute activities retried (any reason)', audit.executeRetries],
            ['activities retried (any reason)', audit.activityRetries],
            ['worker exits nobody asked for', crashes],
            ['evidence bundles missing', audit.bundlesMissing.length],
            ['harness errors (submissions failed)', submitErrors.length],
          ],
          findings: [
            ...findings,
            ...auditFindings(audit),
            ...notified.findings,
            ...submitErrors.slice(0, 10).map((e) => `harness: submit failed: ${e}`),
          ],
        },
      ];
    },
  };
}

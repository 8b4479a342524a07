import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { ChangeResult } from '../../src/change/view';
import { CountersignClient } from '../../src/client/countersign-client';
import { dataConverter } from '../../src/payloads/data-converter';
import { createApproverSet } from '../../workers/stack/approver-set';
import { approvalProblem, auditChanges, authorshipProblems } from '../../chaos/audit';
import { countNotifications, notificationColumns } from '../../chaos/notifications';
import { approveSigned, prepareChange, waitAllClosed } from '../../chaos/changes';
import type { ChaosEnv, ChaosRun } from '../../chaos/context';
import { runScenarios, seededRandom } from '../../chaos/context';
import { deleteZonesOfRun } from '../../chaos/pdns-zones';
import { lossColumns, renderReport } from '../../chaos/report';
import { pdnsOutage } from '../../chaos/scenarios/pdns-outage';
import { crashAfterWrite } from '../../chaos/scenarios/crash-after-write';
import { serverRestart } from '../../chaos/scenarios/server-restart';
import { secretScan } from '../../chaos/scenarios/secret-scan';
import { workerKills } from '../../chaos/scenarios/worker-kills';
import { WorkerChild } from '../../chaos/worker-child';
import { testEnv } from '../helpers/env';

/**
 * The chaos harness (`npm run chaos`) with small counts: worker SIGKILLs on the shared dev server,
 * a SIGKILL of a dev server of its own (never the shared one), the secret scan, and an outage
 * (SIGSTOP) of a PowerDNS of its own right after a write. Every loss column must be 0. A second test plants each kind of fault and checks the harness sees it, so a
 * row of zeros means something.
 */
async function chaosEnv(label: string): Promise<{ env: ChaosEnv; close: () => Promise<void> }> {
  const t = testEnv();
  const dataDir = mkdtempSync(path.join(t.dataDir, `chaos-${label}-`));
  const connection = await Connection.connect({ address: t.temporalAddress });
  const runId = `${label}${Date.now().toString(36)}`;
  const pdns = { apiUrl: t.pdns.apiUrl, apiKey: t.pdns.apiKey };
  return {
    env: {
      temporalBin: t.temporalBin,
      temporalAddress: t.temporalAddress,
      client: new Client({ connection, dataConverter }),
      pdns,
      dns: t.dns,
      bundlePath: t.workflowBundle,
      approvers: createApproverSet(path.join(dataDir, 'approvers')),
      dataDir,
      runId,
      random: seededRandom(7),
      progress: () => {},
    },
    close: async () => {
      try {
        await deleteZonesOfRun(pdns, runId);
        await connection.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

test(
  'chaos: worker kills, a server restart and the secret scan lose nothing',
  { timeout: 240_000 },
  async (t) => {
    const { env, close } = await chaosEnv('c');
    try {
      const rows = await runScenarios(env, [
        workerKills({
          kills: 5,
          ratePerSecond: 1,
          maxInFlight: 30,
          minUptimeMs: 200,
          maxUptimeMs: 1500,
          settleMs: 120_000,
        }),
        serverRestart({ parked: 10, memoryParked: 20, parkTimeoutMs: 120_000, settleMs: 120_000 }),
        secretScan(),
      ]);
      for (const line of renderReport(rows).split('\n')) t.diagnostic(line);
      assert.deepEqual(
        rows.map((r) => r.scenario),
        ['worker SIGKILL', 'Temporal server SIGKILL', 'secret scan'],
      );
      for (const row of rows) {
        assert.ok(row.changes > 0, `${row.scenario}: nothing was checked`);
        for (const column of lossColumns)
          assert.equal(row[column], 0, `${row.scenario}: ${column}\n${row.findings.join('\n')}`);
      }
      assert.match(rows[0]!.faults, /^5 worker SIGKILLs/);
      // Killed mid-admission or not, the governors saw each change once and hold nothing afterwards.
      assert.deepEqual(
        rows[0]!.findings.filter((f) => f.includes('governor')),
        [],
      );
      const governorRow = rows[0]!.details.find(([what]) => what.startsWith('global governor'));
      assert.match(String(governorRow?.[1]), new RegExp(`^${rows[0]!.changes} / ${rows[0]!.changes}, 0, 0`));
    } finally {
      await close();
    }
  },
);

test(
  'chaos: a PowerDNS frozen while changes write and verify makes no correct change roll back',
  { timeout: 240_000 },
  async (t) => {
    const { env, close } = await chaosEnv('o');
    try {
      const rows = await runScenarios(env, [
        pdnsOutage({
          changes: 6,
          outageSeconds: 8,
          spreadMs: 2000,
          patienceSeconds: 120,
          firstWriteTimeoutMs: 60_000,
          settleMs: 150_000,
        }),
      ]);
      for (const line of renderReport(rows).split('\n')) t.diagnostic(line);
      assert.deepEqual(
        rows.map((r) => r.scenario),
        ['PowerDNS outage'],
      );
      const row = rows[0]!;
      assert.equal(row.changes, 6);
      for (const column of lossColumns)
        assert.equal(row[column], 0, `${row.scenario}: ${column}\n${row.findings.join('\n')}`);
      assert.match(row.faults, /^PowerDNS SIGSTOP 8 s once \d+ of 6 wrote/);
      assert.deepEqual(row.findings, []);
    } finally {
      await close();
    }
  },
);

test(
  'chaos: a worker killed after a committed write, before its answer: its own write, rolled back when it fails, never "someone else\'s"',
  { timeout: 400_000 },
  async (t) => {
    const { env, close } = await chaosEnv('x');
    try {
      const rows = await runScenarios(env, [
        crashAfterWrite({ changesPerRow: 2, gatherMs: 3000, settleMs: 180_000 }),
      ]);
      for (const line of renderReport(rows).split('\n')) t.diagnostic(line);
      assert.deepEqual(
        rows.map((r) => r.scenario),
        [
          "crash after write: kill after the change's write, verification passes",
          "crash after write: kill after the change's write, verification fails",
          "crash after write: kill after the rollback's write, verification fails",
        ],
      );
      for (const row of rows) {
        assert.equal(row.changes, 2);
        for (const column of lossColumns)
          assert.equal(row[column], 0, `${row.scenario}: ${column}\n${row.findings.join('\n')}`);
        assert.deepEqual(row.findings, []);
        // Every change's write was held and the worker killed for it; restarts were timed.
        assert.match(row.faults, /^\d+ worker SIGKILLs? after 2 committed writes$/);
        assert.notEqual(row.recoverP50Ms, null);
        const stamped = row.details.find(([what]) =>
          what.endsWith("known as this change's own by its stamp"),
        );
        assert.equal(stamped?.[1], '2 of 2');
      }
    } finally {
      await close();
    }
  },
);

test(
  'chaos: the harness sees planted duplicate writes, missing approvals, broken chains and leaked secrets',
  { timeout: 120_000 },
  async () => {
    const { env, close } = await chaosEnv('d');
    const taskQueue = `chaos-detect-${env.runId}`;
    const evidenceDir = path.join(env.dataDir, 'evidence');
    const logFile = path.join(env.dataDir, 'worker.log');
    mkdirSync(evidenceDir, { recursive: true });
    const worker = new WorkerChild({
      temporalAddress: env.temporalAddress,
      taskQueue,
      pdns: env.pdns,
      dns: env.dns,
      approversPath: env.approvers.directoryPath,
      bundlePath: env.bundlePath,
      evidenceDir,
      logFile,
      coolingOffSeconds: 1,
      approvalExpirySeconds: 600,
    });
    try {
      const cs = new CountersignClient(env.client, taskQueue);
      await worker.start();
      const change = await prepareChange(env.pdns, env.runId, 'd', 'tier3', 0);
      await cs.submit(change.recommendation);
      assert.equal(await approveSigned(cs, env.approvers, change, () => Date.now() + 60_000), null);
      await waitAllClosed(env.client, cs, taskQueue, [change], 60_000);
      const ctx = { cs, pdns: env.pdns, approvers: env.approvers, evidenceDir };

      const clean = await auditChanges(ctx, [change]);
      assert.equal(clean.executed, 1);
      assert.deepEqual(
        [clean.lost, clean.notExecuted, clean.unapproved, clean.brokenChains, clean.duplicateWrites],
        [[], [], [], [], 0],
      );

      // The same RRset written once more: PowerDNS bumps the serial, the audit counts a duplicate.
      const zone = change.zone!;
      const rewrite = await fetch(`${env.pdns.apiUrl}/api/v1/servers/localhost/zones/${zone}`, {
        method: 'PATCH',
        headers: { 'X-API-Key': env.pdns.apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          rrsets: [
            {
              name: zone,
              type: 'MX',
              ttl: 3600,
              changetype: 'REPLACE',
              records: [{ content: `10 mx2.${zone}`, disabled: false }],
            },
          ],
        }),
      });
      assert.equal(rewrite.status, 204);
      assert.equal((await auditChanges(ctx, [change])).duplicateWrites, 1);

      // Approvals: removing a counted one, moving the executed plan, or other keys: each is caught.
      const result: ChangeResult = await cs.handle(change.id).result();
      const history = await cs.handle(change.id).fetchHistory();
      assert.equal(approvalProblem(env.approvers, change, result, history), null);
      const withoutOne = {
        ...result,
        evidence: result.evidence.filter(
          (e, i) =>
            !(
              e.step === 'approve_counted' &&
              i === result.evidence.findIndex((x) => x.step === 'approve_counted')
            ),
        ),
      };
      assert.match(approvalProblem(env.approvers, change, withoutOne, history) ?? '', /1 of 2 approvals/);
      const otherPlan = {
        ...result,
        evidence: result.evidence.map((e) =>
          e.step === 'execute_applied'
            ? { ...e, data: { ...(e.data as object), planHash: 'f'.repeat(64) } }
            : e,
        ),
      };
      assert.notEqual(approvalProblem(env.approvers, change, otherPlan, history), null);
      const strangers = createApproverSet(path.join(env.dataDir, 'strangers'));
      assert.match(approvalProblem(strangers, change, result, history) ?? '', /does not verify/);
      const noCoolingOff = { ...result, evidence: result.evidence.filter((e) => e.step !== 'cooling_off') };
      assert.match(approvalProblem(env.approvers, change, noCoolingOff, history) ?? '', /cooling-off/);

      // Evidence blaming someone else for the change's own write, and a rollback skipped, are caught.
      assert.deepEqual(authorshipProblems(result), { falseEvidence: [], skippedRollback: null });
      const blamed = {
        ...result,
        evidence: result.evidence.map((e) =>
          e.step === 'execute_applied'
            ? {
                ...e,
                step: 'execute_already_applied',
                summary: 'execute: already there, written by someone else; nothing written',
              }
            : e,
        ),
      };
      assert.equal(authorshipProblems(blamed).falseEvidence.length, 1);
      const notRolledBack = {
        ...result,
        view: {
          ...result.view,
          state: 'failed' as const,
          outcome: {
            code: 'verification_failed',
            message:
              'live state already matched the plan (not written by this change) but does not verify; not rolling back. A human must look.',
          },
        },
      };
      assert.match(authorshipProblems(notRolledBack).skippedRollback ?? '', /without rolling back/);

      // A notification logged twice under one key, and one without a key, are caught in the logs.
      const planted = path.join(env.dataDir, 'planted.log');
      const line = (o: object) => `${JSON.stringify(o)}\n`;
      writeFileSync(
        planted,
        line({
          msg: 'executing',
          notification: { kind: 'auto_execute', idempotencyKey: 'change-x:auto_execute:1-5' },
        }) +
          line({
            msg: 'executing',
            notification: { kind: 'auto_execute', idempotencyKey: 'change-x:auto_execute:1-5' },
          }) +
          line({ msg: 'approval needs a human', escalation: { stage: 1 } }) +
          // A repeat the worker announced is reported, not counted as a duplicate.
          line({
            msg: 'executing',
            notification: { kind: 'auto_execute', idempotencyKey: 'change-y:auto_execute:1-5' },
          }) +
          line({
            msg: 'notification sent again: an earlier attempt …',
            idempotencyKey: 'change-y:auto_execute:1-5',
          }) +
          line({
            msg: 'executing',
            notification: { kind: 'auto_execute', idempotencyKey: 'change-y:auto_execute:1-5' },
          }) +
          '{"msg":"cut short by a SIGK',
      );
      const counted = countNotifications([planted]);
      assert.equal(counted.duplicates, 1);
      assert.equal(counted.withoutKey, 1);
      assert.deepEqual([counted.delivered, counted.events, counted.announcedRepeats], [5, 2, 1]);
      // An automatic change that never notified is a lost notification.
      assert.deepEqual(notificationColumns(counted, ['change-x', 'change-y', 'change-z']).columns, {
        duplicateNotifications: 2,
        lostNotifications: 1,
      });

      // An edited bundle no longer matches its chain.
      const bundleFile = path.join(evidenceDir, `${change.workflowId}.json`);
      const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as ChangeResult;
      writeFileSync(
        bundleFile,
        JSON.stringify({
          ...bundle,
          evidence: bundle.evidence.map((e, i) => (i === 1 ? { ...e, summary: 'edited' } : e)),
        }),
      );
      assert.equal((await auditChanges(ctx, [change])).brokenChains.length, 1);

      // A secret in a log line and one base64-encoded inside a bundle are both found.
      appendFileSync(logFile, `${JSON.stringify({ msg: 'oops', key: env.pdns.apiKey })}\n`);
      writeFileSync(
        path.join(evidenceDir, 'planted.json'),
        JSON.stringify({ payload: Buffer.from(`{"x":"${env.pdns.apiKey}"}`).toString('base64') }),
      );
      const run: ChaosRun = {
        ...env,
        artifacts: {
          histories: [{ client: env.client, taskQueue }],
          logFiles: [logFile],
          evidenceDirs: [evidenceDir],
        },
        defer: () => {},
      };
      const [scan] = await secretScan().run(run);
      assert.equal(scan!.secretsFound, 2, scan!.findings.join('\n'));
    } finally {
      await worker.stop();
      await close();
    }
  },
);

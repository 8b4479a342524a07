import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditLine } from '../../src/audit/audit-line';
import type { Report } from '../../src/audit/report';
import type { VerdictRow } from '../../src/audit/verdicts';
import type { CountersignClient } from '../../src/client/countersign-client';
import { exampleRecommendation } from '../../src/examples';
import type { Change, Environment, Recommendation } from '../../src/schema/recommendation';
import { runCli } from '../helpers/cli';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { createTestZone } from '../helpers/zones';

const fast = { approvalExpirySeconds: 60, coolingOffSeconds: 2 };

const lines = <T>(stdout: string): T[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

describe('countersign audit, report and verdicts (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('audits, reports and exports the verdicts of a handful of changes', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const tenant = `tenant-${id}`;
    const cs = h.countersign(id);
    const env = { TEMPORAL_ADDRESS: h.env.temporalAddress, COUNTERSIGN_TASK_QUEUE: id };
    const proposal = (
      suffix: string,
      environment: Environment,
      modelVersion: string,
      change: Change,
    ): Recommendation => {
      const rec = exampleRecommendation({
        id: `${id}-${suffix}`,
        zone,
        environment,
        onBehalfOf: 'bob@example.com',
        change,
      });
      return {
        ...rec,
        source: { ...rec.source, modelVersion },
        target: { ...rec.target, tenant },
      };
    };
    const api2: Change = {
      kind: 'dns.upsert_rrset',
      name: `api2.${zone}`,
      type: 'A',
      ttl: 300,
      records: ['192.0.2.99'],
    };
    const decide = async (
      client: CountersignClient,
      rec: Recommendation,
      who: string,
      decision: 'approve' | 'reject',
      reason: string,
    ) => {
      const waiting = await client.waitForState(rec.id, ['awaiting_approval']);
      assert.equal(waiting.state, 'awaiting_approval', `${rec.id} waits for approval`);
      // A measurable wait between the request and the decision.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { verdict } = await client.decide(rec.id, {
        key: h.key(who),
        decision,
        reason,
        planHash: waiting.approval?.planHash ?? '',
      });
      assert.equal(verdict.counted, true, verdict.message);
    };

    const auto = proposal('auto', 'staging', '2026-10', {
      kind: 'dns.upsert_rrset',
      name: `www.${zone}`,
      type: 'A',
      ttl: 300,
      records: ['192.0.2.77'],
    });
    const approved = proposal('approved', 'production', '2026-10', {
      kind: 'dns.upsert_rrset',
      name: `api.${zone}`,
      type: 'A',
      ttl: 300,
      records: ['192.0.2.21'],
    });
    const rejected = proposal('rejected', 'production', '2026-11', api2);
    const again = proposal('again', 'production', '2026-11', api2);

    const beforeAll = new Date().toISOString();
    await withWorker(h, id, { timings: fast }, async () => {
      const ran = await cs.submit(auto);
      assert.equal((await ran.handle.result()).view.state, 'executed');

      const a = await cs.submit(approved);
      await decide(cs, approved, 'alice@example.com', 'approve', 'matches the runbook');
      assert.equal((await a.handle.result()).view.state, 'executed');

      const r = await cs.submit(rejected);
      await decide(cs, rejected, 'carol@example.com', 'reject', 'api2 must stay on the old pool');
      assert.equal((await r.handle.result()).view.state, 'rejected');

      // The same RRset proposed again after the rejection.
      const g = await cs.submit(again);
      await decide(cs, again, 'carol@example.com', 'reject', 'still no: see the previous rejection');
      assert.equal((await g.handle.result()).view.state, 'rejected');

      const audit = (...args: string[]) =>
        runCli(['--json', 'audit', '--since', '1h', '--zone', zone, ...args], { env });

      const all = await audit();
      assert.equal(all.code, 0, all.stderr);
      const everything = lines<AuditLine>(all.stdout);
      assert.deepEqual(
        everything.map((l) => l.id),
        [auto.id, approved.id, rejected.id, again.id],
      );
      const line = everything[1]!;
      assert.equal(line.workflowId, `change-${approved.id}`);
      assert.equal(line.tenant, tenant);
      assert.equal(line.route, 'approval');
      assert.equal(line.state, 'executed');
      assert.equal(line.modelVersion, '2026-10');
      assert.deepEqual(
        line.approvers.map((x) => [x.principal, x.roles]),
        [['alice@example.com', ['sre']]],
      );
      assert.match(line.evidenceHead, /^[0-9a-f]{64}$/);
      assert.ok(line.closedAt !== null && line.closedAt >= line.openedAt);
      assert.equal(everything[0]!.route, 'auto');
      assert.deepEqual(
        everything[2]!.rejections.map((x) => x.reason),
        ['api2 must stay on the old pool'],
      );

      const byApprover = await audit('--approver', 'alice@example.com');
      assert.deepEqual(
        lines<AuditLine>(byApprover.stdout).map((l) => l.id),
        [approved.id],
      );
      const byModel = await audit('--model', 'ops-llm@2026-11');
      assert.deepEqual(
        lines<AuditLine>(byModel.stdout).map((l) => l.id),
        [rejected.id, again.id],
      );
      const byState = await audit('--state', 'executed', '--tenant', tenant);
      assert.deepEqual(
        lines<AuditLine>(byState.stdout).map((l) => l.id),
        [auto.id, approved.id],
      );
      const otherTenant = await audit('--tenant', 'nobody');
      assert.equal(otherTenant.stdout.trim(), '');
      const table = await runCli(['audit', '--since', '1h', '--zone', zone], { env });
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^OPENED +ID +TENANT/);
      assert.match(
        table.stdout,
        new RegExp(`${rejected.id} .* rejected +ops-llm@2026-11 +-carol@example\\.com`),
      );

      const reported = await runCli(['--json', 'report', '--since', '1h', '--zone', zone], { env });
      assert.equal(reported.code, 0, reported.stderr);
      const report = JSON.parse(reported.stdout) as Report;
      assert.equal(report.changes, 4);
      assert.deepEqual(report.byRoute, { auto: 1, approval: 3 });
      assert.deepEqual(report.byOutcome, { executed: 2, rejected: 2 });
      const latency = report.approvalLatencyMs;
      assert.equal(latency.count, 3);
      assert.ok(latency.p50 !== null && latency.p50 >= 300 && latency.p50 < 60_000, `p50 ${latency.p50}`);
      assert.ok(latency.p90 !== null && latency.p99 !== null && latency.p99 >= latency.p50);
      assert.deepEqual(
        report.rejections.map((x) => [x.id, x.reason]),
        [
          [rejected.id, 'api2 must stay on the old pool'],
          [again.id, 'still no: see the previous rejection'],
        ],
      );
      assert.deepEqual(
        report.repeated.map((x) => [x.subject, x.ids, x.afterRejection]),
        [[`${zone} api2.${zone} A`, [rejected.id, again.id], [again.id]]],
      );
      assert.deepEqual(
        report.models.map((m) => [m.modelVersion, m.proposals, m.executions, m.proposalsPerExecution]),
        [
          ['2026-10', 2, 2, 1],
          ['2026-11', 2, 0, null],
        ],
      );
      const text = await runCli(['report', '--since', '1h', '--zone', zone], { env });
      assert.match(text.stdout, /Approval latency .*, 3 request\(s\):\n {2}p50 /);
      assert.match(text.stdout, /rejected by carol@example\.com: api2 must stay on the old pool/);

      const exported = await runCli(['verdicts', '--since', '1h', '--zone', zone], { env });
      assert.equal(exported.code, 0, exported.stderr);
      const rows = lines<VerdictRow>(exported.stdout);
      assert.deepEqual(
        rows.map((x) => [x.id, x.policy?.route, x.human.verdict, x.human.who, x.outcome.state]),
        [
          [auto.id, 'auto', 'none', [], 'executed'],
          [approved.id, 'approval', 'approved', ['alice@example.com'], 'executed'],
          [rejected.id, 'approval', 'rejected', ['carol@example.com'], 'rejected'],
          [again.id, 'approval', 'rejected', ['carol@example.com'], 'rejected'],
        ],
      );
      assert.equal(rows[1]!.provenance.modelVersion, '2026-10');
      assert.equal(rows[2]!.human.reason, 'api2 must stay on the old pool');
      assert.match(rows[1]!.policy?.policyVersion ?? '', /./);
      // Closed after --until: not in that window (the alias names the same command).
      const earlier = await runCli(
        ['export-verdicts', '--since', '1h', '--until', beforeAll, '--zone', zone],
        {
          env,
        },
      );
      assert.equal(earlier.code, 0, earlier.stderr);
      assert.equal(earlier.stdout.trim(), '');
    });

    const bad = await runCli(['audit', '--since', 'last-week'], { env });
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^countersign: --since: expected a duration back from now \(7d, 24h, 90m\) or an ISO 8601/,
    );
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    const badJson = await runCli(['--json', 'report', '--until', '2026-02-30'], { env });
    assert.equal(badJson.code, 2);
    assert.match((JSON.parse(badJson.stdout) as { error: { message: string } }).error.message, /^--until: /);
  });
});

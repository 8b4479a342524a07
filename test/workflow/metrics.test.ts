import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PowerDnsClient } from '../../activities/powerdns/client';
import { exampleRecommendation } from '../../src/examples';
import type { Recommendation } from '../../src/schema/recommendation';
import { startPowerDns } from '../../workers/stack/powerdns-server';
import type { PowerDnsServer } from '../../workers/stack/powerdns-server';
import { freePort } from '../../workers/stack/processes';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import type { PrometheusServer } from '../helpers/prometheus';
import { startPrometheus } from '../helpers/prometheus';
import { createTestZone } from '../helpers/zones';

const timings = { approvalExpirySeconds: 60, coolingOffSeconds: 1 };

function byModelVersion(rec: Recommendation, modelVersion: string): Recommendation {
  return { ...rec, source: { ...rec.source, modelVersion } };
}

describe('metrics: the worker endpoint scraped by a real Prometheus', () => {
  let h: Harness;
  let prometheus: PrometheusServer;
  let secondary: PowerDnsServer;
  let metricsAddress: string;
  before(async () => {
    // The runtime (and its endpoint) is once per process: set before the harness installs it.
    metricsAddress = `127.0.0.1:${await freePort()}`;
    process.env.COUNTERSIGN_TEST_METRICS_ADDRESS = metricsAddress;
    h = await openHarness();
    prometheus = await startPrometheus(path.join(h.env.dataDir, `prometheus-${process.pid}`), metricsAddress);
    // A second authoritative server that never receives the change: verification fails, the change rolls back.
    secondary = await startPowerDns({
      dir: path.join(h.env.dataDir, 'pdns-metrics-secondary'),
      apiPort: await freePort(),
      dnsPort: await freePort(),
    });
  });
  after(async () => {
    await secondary.stop();
    await prometheus.stop();
    await h.close();
  });

  it('counts what the changes did, by outcome and model version, with the SDK metrics beside them', async (t) => {
    const base = slug(t);
    const queue = `metrics-queue-${process.pid}`;
    const cs = h.countersign(queue);
    const ids = ['auto', 'approved', 'rejected', 'blocked'].map((what) => `${base}-${what}`);
    const [autoId, approvedId, rejectedId, blockedId] = ids as [string, string, string, string];
    // Zones may be labels (a governor's scope); change ids and record names must never be.
    const zones = await Promise.all(
      ids.map((id) => createTestZone(h.pdns, id.replace(`${base}-`, `${base}-zone-`))),
    );
    const [autoZone, approvedZone, rejectedZone, blockedZone] = zones as [string, string, string, string];
    const recs = [
      byModelVersion(
        exampleRecommendation({
          id: autoId,
          zone: autoZone,
          environment: 'staging',
          change: {
            kind: 'dns.upsert_rrset',
            name: `www.${autoZone}`,
            type: 'A',
            ttl: 300,
            records: ['192.0.2.77'],
          },
        }),
        'mv-auto',
      ),
      byModelVersion(
        exampleRecommendation({
          id: approvedId,
          zone: approvedZone,
          environment: 'production',
          onBehalfOf: 'bob@example.com',
          change: {
            kind: 'dns.upsert_rrset',
            name: `api.${approvedZone}`,
            type: 'A',
            ttl: 300,
            records: ['192.0.2.21'],
          },
        }),
        'mv-people',
      ),
      byModelVersion(
        exampleRecommendation({
          id: rejectedId,
          zone: rejectedZone,
          environment: 'production',
          onBehalfOf: 'bob@example.com',
          change: {
            kind: 'dns.upsert_rrset',
            name: `api.${rejectedZone}`,
            type: 'A',
            ttl: 300,
            records: ['192.0.2.22'],
          },
        }),
        'mv-people',
      ),
      byModelVersion(
        exampleRecommendation({
          id: blockedId,
          zone: blockedZone,
          environment: 'production',
          confidence: 0.99,
          change: { kind: 'dns.delete_rrset', name: blockedZone, type: 'NS' },
        }),
        'mv-blocked',
      ),
    ];
    const [autoRec, approvedRec, rejectedRec, blockedRec] = recs as [
      Recommendation,
      Recommendation,
      Recommendation,
      Recommendation,
    ];
    const sumBy = async (promql: string, label: string): Promise<Record<string, number>> =>
      Object.fromEntries(
        (await prometheus.query(promql)).map((s): [string, number] => [s.labels[label] ?? '', s.value]),
      );
    /** The global governor's approval queue: its total (`any`) and per role. */
    const approvalDepth = () =>
      sumBy('sum by (role) (countersign_queue_depth{scope="global", queue="approval"})', 'role');
    await withWorker(h, queue, { timings }, async () => {
      assert.equal(await (await cs.submit(autoRec)).handle.result().then((r) => r.view.state), 'executed');
      assert.equal(await (await cs.submit(blockedRec)).handle.result().then((r) => r.view.state), 'blocked');
      for (const [rec, decision] of [
        [approvedRec, 'approve'],
        [rejectedRec, 'reject'],
      ] as const) {
        const { handle } = await cs.submit(rec);
        const waiting = await cs.waitForState(rec.id, ['awaiting_approval']);
        // While it waits, its governors count it as waiting for the role the policy asks (one SRE).
        await eventually(async () => assert.deepEqual(await approvalDepth(), { any: 1, sre: 1 }), 15_000);
        // Someone takes a moment to read the card: the latency histogram sees a real wait.
        await new Promise((resolve) => setTimeout(resolve, 1200));
        const { verdict } = await cs.decide(rec.id, {
          key: h.key('alice@example.com'),
          decision,
          reason: 'read the card',
          planHash: waiting.approval?.planHash ?? '',
        });
        assert.equal(verdict.counted, true);
        const result = await handle.result();
        assert.equal(result.view.state, decision === 'approve' ? 'executed' : 'rejected');
        // Decided and closed: the role's series reads 0 (it is not left at its last value).
        await eventually(async () => assert.deepEqual(await approvalDepth(), { any: 0, sre: 0 }), 15_000);
      }
    });

    // A rollback, on a worker whose verification asks a server that never gets the change.
    const rollbackId = `${base}-rollback`;
    const rollbackZone = await createTestZone(h.pdns, `${base}-zone-rollback`);
    await createTestZone(
      new PowerDnsClient({ apiUrl: secondary.apiUrl, apiKey: secondary.apiKey }),
      `${base}-zone-rollback`,
    );
    const rollbackQueue = `${queue}-rollback`;
    const rollbackRec = byModelVersion(
      exampleRecommendation({
        id: rollbackId,
        zone: rollbackZone,
        environment: 'staging',
        change: {
          kind: 'dns.upsert_rrset',
          name: `www.${rollbackZone}`,
          type: 'A',
          ttl: 300,
          records: ['192.0.2.88'],
        },
      }),
      'mv-auto',
    );
    await withWorker(h, rollbackQueue, { timings, verifyServers: [h.env.dns, secondary.dns] }, async () => {
      const result = await (await h.countersign(rollbackQueue).submit(rollbackRec)).handle.result();
      assert.equal(result.view.state, 'rolled_back');
    });

    // Prometheus scrapes every second: ask until the last change is in.
    await eventually(async () => {
      assert.deepEqual(
        await sumBy('sum by (model_version) (countersign_changes_proposed_total)', 'model_version'),
        { 'mv-auto': 2, 'mv-blocked': 1, 'mv-people': 2 },
      );
      const closed = await prometheus.query(
        'sum by (model_version, outcome, route) (countersign_changes_closed_total)',
      );
      assert.deepEqual(
        closed
          .map((s) => `${s.labels.model_version} ${s.labels.outcome} ${s.labels.route} ${s.value}`)
          .sort(),
        [
          'mv-auto executed auto 1',
          'mv-auto rolled_back auto 1',
          'mv-blocked blocked blocked 1',
          'mv-people executed approval 1',
          'mv-people rejected approval 1',
        ],
      );
    }, 30_000);

    // Proposals vs executions by model version, as the dashboard shows it.
    assert.deepEqual(
      await sumBy(
        'sum by (model_version) (countersign_changes_closed_total{outcome="executed"}) / sum by (model_version) (countersign_changes_proposed_total)',
        'model_version',
      ),
      { 'mv-auto': 0.5, 'mv-people': 0.5 },
    );
    const latency = await sumBy('sum by (decision) (countersign_approval_latency_seconds_count)', 'decision');
    assert.deepEqual(latency, { approved: 1, rejected: 1 });
    const waited = await sumBy('sum by (decision) (countersign_approval_latency_seconds_sum)', 'decision');
    for (const decision of ['approved', 'rejected'])
      assert.ok((waited[decision] ?? 0) >= 1, `${decision} latency ${waited[decision]} s`);
    assert.deepEqual(await sumBy('sum by (result) (countersign_rollbacks_total)', 'result'), { verified: 1 });
    assert.deepEqual(await sumBy('sum by (rule) (countersign_blocked_changes_total)', 'rule'), {
      'never.allowed.apex_ns_delete': 1,
    });
    // The governors' queues are there (empty by now), per scope.
    assert.deepEqual(
      await sumBy('sum by (queue) (countersign_queue_depth{scope="global", role="any"})', 'queue'),
      { admission: 0, approval: 0 },
    );
    // The SDK's own runtime metrics come from the same endpoint.
    const completed = await sumBy(
      `sum by (workflow_type) (temporal_workflow_completed_total{task_queue="${queue}"})`,
      'workflow_type',
    );
    assert.equal(completed.changeWorkflow, 4);
    assert.ok((await prometheus.query('temporal_workflow_task_execution_latency_count')).length > 0);

    // No secret and no unbounded value in any label: neither in Prometheus nor on the endpoint itself.
    const exposed = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    const series = await prometheus.query('{__name__=~"countersign_.+|temporal_.+"}');
    const labelText = series.flatMap((s) => Object.values(s.labels)).join('\n');
    const secrets = [
      h.env.pdns.apiKey,
      secondary.apiKey,
      h.key('alice@example.com').privateKeyPem.slice(40, 80),
    ];
    const unbounded = [...ids, rollbackId, `www.${autoZone}`, `api.${approvedZone}`, `www.${rollbackZone}`];
    for (const text of [exposed, labelText]) {
      for (const secret of secrets) assert.equal(text.includes(secret), false, 'a secret is in a metric');
      for (const value of unbounded) assert.equal(text.includes(value), false, `${value} is a metric label`);
    }
    assert.ok(series.length > 20, `${series.length} series`);
  });
});

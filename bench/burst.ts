import type { Client } from '@temporalio/client';
import type { PowerDnsClient } from '../activities/powerdns/client';
import type { CountersignClient } from '../src/client/countersign-client';
import { exampleRecommendation } from '../src/examples';
import { seedZone } from '../workers/demo/seed';
import type { GoalBoard } from './goals';
import { percentile, pool, table } from './stats';

export interface BurstContext {
  readonly client: Client;
  readonly countersign: CountersignClient;
  readonly pdns: PowerDnsClient;
  /** Where bench/workflows runs (the bare baseline's worker). */
  readonly bareTaskQueue: string;
  readonly run: string;
  readonly changes: number;
  readonly zones: number;
  /** Submissions in flight at once, as an AIOps system with many findings would send them. */
  readonly concurrency: number;
  /** Activities of the bare baseline workflow (the auto path's count). */
  readonly bareActivities: number;
  readonly goals: GoalBoard;
  readonly log: (line: string) => void;
}

/**
 * A burst of automatic changes spread over many zones, each to its own RRset, until every one is
 * executed, against as many bare workflows running the same number of no-op activities.
 */
export async function benchBurst(ctx: BurstContext): Promise<string> {
  const zones = Array.from({ length: ctx.zones }, (_, i) => `burst${i}.${ctx.run}.bench.test.`);
  await pool(zones.length, 4, (i) => seedZone(ctx.pdns, zones[i] as string, 5));
  ctx.log(`burst: ${zones.length} zones seeded`);

  const timedPool = async (label: string, task: (i: number) => Promise<void>) => {
    const started = performance.now();
    let done = 0;
    const latencies = await pool(ctx.changes, ctx.concurrency, async (i) => {
      const t = performance.now();
      await task(i);
      done += 1;
      if (done % 200 === 0) ctx.log(`burst: ${label} ${done}/${ctx.changes}`);
      return performance.now() - t;
    });
    return { seconds: (performance.now() - started) / 1000, latencies };
  };

  const bare = await timedPool('bare workflows', async (i) => {
    await ctx.client.workflow.execute('bareWorkflow', {
      taskQueue: ctx.bareTaskQueue,
      workflowId: `bench-${ctx.run}-burst-bare-${i}`,
      args: [ctx.bareActivities],
    });
  });
  const states = new Map<string, number>();
  const governed = await timedPool('changes', async (i) => {
    const zone = zones[i % zones.length] as string;
    const rec = exampleRecommendation({
      id: `bench-${ctx.run}-burst-${i}`,
      zone,
      environment: 'development',
      change: {
        kind: 'dns.upsert_rrset',
        name: `b${i}.${zone}`,
        type: 'A',
        ttl: 300,
        records: [`198.51.100.${(i % 250) + 1}`],
      },
    });
    const result = await (await ctx.countersign.submit(rec)).handle.result();
    states.set(result.view.state, (states.get(result.view.state) ?? 0) + 1);
  });
  const row = (label: string, r: { seconds: number; latencies: number[] }, outcome: string) => [
    label,
    ctx.changes,
    r.seconds.toFixed(1),
    (ctx.changes / r.seconds).toFixed(1),
    percentile(r.latencies, 50).toFixed(0),
    percentile(r.latencies, 95).toFixed(0),
    (bare.seconds / r.seconds).toFixed(2),
    outcome,
  ];
  const throughput = bare.seconds / governed.seconds;
  return table(
    ['burst', 'n', 'wall s', 'per s', 'p50 ms', 'p95 ms', 'throughput ratio', 'outcome', 'goal'],
    [
      [...row(`bare workflows, ${ctx.bareActivities} no-op activities (baseline)`, bare, 'completed'), ''],
      [
        ...row(
          `automatic changes across ${ctx.zones} zones`,
          governed,
          [...states].map(([state, n]) => `${n} ${state}`).join(', '),
        ),
        ctx.goals.check('burst-throughput', throughput),
      ],
    ],
  );
}

import type { Client } from '@temporalio/client';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { ChangeActivityDeps } from '../activities/change-activities';
import { createChangeActivities } from '../activities/change-activities';
import { createApprovalActivities } from '../activities/approvals/approval-activities';
import type { DirectorySource } from '../activities/approvals/directory-store';
import type { GovernorReply } from '../src/governor/ask';
import type { CountersignClient } from '../src/client/countersign-client';
import { limitsFor } from '../src/governor/limits';
import { governorWorkflowId } from '../src/governor/scope';
import { exampleRecommendation } from '../src/examples';
import { noActiveOverrides } from '../src/overrides/active-overrides';
import { dataConverter } from '../src/payloads/data-converter';
import type { LoadedPolicy } from '../src/policy/evaluate';
import { percentile, pool, table } from './stats';
import { sharedWorkflowModules } from '../workers/shared-workflow-modules';

export interface GovernorBenchContext {
  readonly client: Client;
  readonly connection: NativeConnection;
  readonly countersign: CountersignClient;
  readonly baselineCountersign: CountersignClient;
  readonly deps: ChangeActivityDeps;
  readonly directory: DirectorySource;
  readonly policy: LoadedPolicy;
  readonly taskQueue: string;
  readonly logger: Logger;
  readonly run: string;
  readonly n: number;
  readonly concurrency: number;
}

/**
 * A worker serving the same change workflow whose governor asks are answered in-process with
 * "go": what the auto path costs without governor workflows (the activity hops stay).
 */
export function ungovernedWorker(ctx: GovernorBenchContext, taskQueue: string): Promise<Worker> {
  const go: GovernorReply = { verdict: 'go', hold: null, flags: [] };
  return Worker.create({
    connection: ctx.connection,
    taskQueue,
    dataConverter,
    workflowsPath: require.resolve('../workflows'),
    bundlerOptions: { preloadModules: [...sharedWorkflowModules] },
    activities: {
      ...createChangeActivities(ctx.deps),
      ...createApprovalActivities({ directory: ctx.directory }),
      askGovernors: async () => go,
      isChangeRunning: async () => true,
      // Nothing is frozen, granted or excepted: the overrides the governors would report, in-process.
      activeOverrides: async () => noActiveOverrides,
      useBreakGlass: async () => null,
      // As on the measured worker, nothing is sealed in the benchmark.
      requestSeal: async () => 'disabled' as const,
    },
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** (e) the governor: its cost on the auto path, one governor's admission rate, the 200-change storm. */
export async function benchGovernor(ctx: GovernorBenchContext): Promise<void> {
  const autoPath = async (cs: CountersignClient, label: string, zone: string) =>
    pool(ctx.n, ctx.concurrency, async (i) => {
      const rec = exampleRecommendation({
        id: `bench-${ctx.run}-${label}-${i}`,
        zone,
        environment: 'development',
        change: {
          kind: 'dns.upsert_rrset',
          name: `${label}-${i}.${zone}`,
          type: 'A',
          ttl: 300,
          records: ['192.0.2.9'],
        },
      });
      return (
        await timed(async () => {
          const result = await (await cs.submit(rec)).handle.result();
          if (result.view.state !== 'executed')
            throw new Error(`${label} auto path ended ${result.view.state}`);
        })
      ).ms;
    });
  const without = await autoPath(ctx.baselineCountersign, 'ungoverned', 'dev.bench.test.');
  const withGovernor = await autoPath(ctx.countersign, 'governed', 'dev.bench.test.');
  const p50 = (v: number[]) => percentile(v, 50);
  console.log(
    `\n(e1) auto path with and without governor workflows, ${ctx.n} changes, ${ctx.concurrency} in flight\n`,
  );
  console.log(
    table(
      ['auto path', 'p50 ms', 'p95 ms', 'p50 ratio'],
      [
        [
          'governor asks answered in-process (baseline)',
          p50(without).toFixed(0),
          percentile(without, 95).toFixed(0),
          '1.00',
        ],
        [
          'zone, tenant and global governors (update-with-start)',
          p50(withGovernor).toFixed(0),
          percentile(withGovernor, 95).toFixed(0),
          (p50(withGovernor) / p50(without)).toFixed(2),
        ],
      ],
    ),
  );

  // (e2) one governor's admission rate against a workflow whose update does nothing.
  const updates = 400;
  const inFlight = 6;
  const scope = { kind: 'zone' as const, name: `rate-${ctx.run}.bench.test.` };
  const limits = limitsFor(ctx.policy.policy, scope);
  const echoId = `bench-${ctx.run}-echo`;
  const echo = await timed(() =>
    pool(updates, inFlight, (i) =>
      ctx.client.workflow.executeUpdateWithStart('echo', {
        args: [{ i }],
        updateId: `echo-${i}`,
        startWorkflowOperation: new WithStartWorkflowOperation('echoWorkflow', {
          workflowId: echoId,
          taskQueue: `${ctx.taskQueue}-bare`,
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      }),
    ),
  );
  const admissions = await timed(() =>
    pool(updates, inFlight, (i) =>
      ctx.client.workflow.executeUpdateWithStart('admit', {
        args: [{ changeId: `rate-${i}`, rrset: `h${i} A`, limits }],
        updateId: `rate-${i}`,
        startWorkflowOperation: new WithStartWorkflowOperation('governorWorkflow', {
          workflowId: governorWorkflowId(scope, ctx.taskQueue),
          taskQueue: ctx.taskQueue,
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ scope }],
        }),
      }),
    ),
  );
  await ctx.client.workflow.getHandle(echoId).terminate('bench done');
  console.log(
    `\n(e2) updates to one workflow, ${updates} sent ${inFlight} at a time (Temporal admits 10 in flight)\n`,
  );
  console.log(
    table(
      ['workload', 'updates/s', 'ratio'],
      [
        ['no-op update handler (baseline)', (updates / (echo.ms / 1000)).toFixed(0), '1.00'],
        [
          'governor admission',
          (updates / (admissions.ms / 1000)).toFixed(0),
          (echo.ms / admissions.ms).toFixed(2),
        ],
      ],
    ),
  );

  await storm(ctx);
}

export const stormZone = 'storm.bench.test.';
const stormSize = 200;

/** (e3) 200 recommendations for one zone at once: until every one is executed, queued or awaiting approval. */
async function storm(ctx: GovernorBenchContext): Promise<void> {
  const settledStates = new Set(['executed', 'awaiting_approval', 'queued']);
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  const bareStart = process.memoryUsage().rss;
  const bare = await timed(() =>
    Promise.all(
      Array.from({ length: stormSize }, (_, i) =>
        ctx.client.workflow.execute('bareWorkflow', {
          taskQueue: `${ctx.taskQueue}-bare`,
          workflowId: `bench-${ctx.run}-storm-bare-${i}`,
          args: [4],
        }),
      ),
    ),
  );
  const bareRss = process.memoryUsage().rss;
  const recs = Array.from({ length: stormSize }, (_, i) =>
    exampleRecommendation({
      id: `bench-${ctx.run}-storm-${i}`,
      zone: stormZone,
      environment: 'development',
      change: {
        kind: 'dns.upsert_rrset',
        name: `s${i}.${stormZone}`,
        type: 'A',
        ttl: 300,
        records: ['192.0.2.7'],
      },
    }),
  );
  const before = process.memoryUsage().rss;
  let peak = before;
  const settled = await timed(async () => {
    await Promise.all(recs.map((rec) => ctx.countersign.submit(rec)));
    for (;;) {
      const views = await Promise.all(recs.map((rec) => ctx.countersign.status(rec.id)));
      peak = Math.max(peak, process.memoryUsage().rss);
      if (views.every((v) => settledStates.has(v.state))) return views;
      // Polled gently: 200 status queries are themselves load on the worker being measured.
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  });
  const count = (state: string) => settled.value.filter((v) => v.state === state).length;
  console.log(
    `\n(e3) a storm of ${stormSize} recommendations for one zone (budgets: 50 proposals per 5 min, 5 automatic)\n`,
  );
  console.log(
    table(
      ['workload', 'wall s', 'ratio', 'process RSS MiB (peak)', 'outcome'],
      [
        [
          `${stormSize} bare workflows, 4 no-op activities (baseline)`,
          (bare.ms / 1000).toFixed(1),
          '1.00',
          `${mib(bareStart)} → ${mib(bareRss)}`,
          'completed',
        ],
        [
          `${stormSize} changes until each is executed, queued or awaiting approval`,
          (settled.ms / 1000).toFixed(1),
          (settled.ms / bare.ms).toFixed(2),
          `${mib(before)} → ${mib(peak)}`,
          `${count('executed')} executed, ${count('awaiting_approval')} awaiting approval, ${count('queued')} queued`,
        ],
      ],
    ),
  );
  await Promise.all(
    settled.value
      .filter((v) => v.state !== 'executed')
      .map((v) => ctx.client.workflow.getHandle(v.workflowId).terminate('bench done')),
  );
}

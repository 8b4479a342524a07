import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { CountersignClient } from '../src/client/countersign-client';
import { stateKey } from '../src/search-attributes';
import { stateClause } from '../src/change/execution-status';
import { parkedOnlyChange, sleep } from '../chaos/changes';
import type { PdnsApi } from '../chaos/pdns-zones';
import { createCountedZone } from '../chaos/pdns-zones';
import { WorkerChild } from '../chaos/worker-child';
import type { DnsServer } from '../activities/dns/query';
import { defaultMaxCachedWorkflows } from '../workers/create-worker';
import type { GoalBoard } from './goals';
import { pool, table } from './stats';

export interface ParkedMemoryContext {
  readonly client: Client;
  readonly temporalAddress: string;
  readonly pdns: PdnsApi;
  readonly dns: DnsServer;
  readonly approversPath: string;
  readonly bundlePath: string;
  readonly dataDir: string;
  readonly run: string;
  /** Changes parked in awaiting_approval per measurement. */
  readonly parked: number;
  /** Workflow cache sizes to compare, each in a fresh worker process. */
  readonly cacheSizes: readonly number[];
  readonly goals: GoalBoard;
  readonly log: (line: string) => void;
}

const mib = (kib: number) => (kib / 1024).toFixed(0);
/** The number of waiting changes the memory goal is stated for. */
const goalParked = 1000;

/**
 * Resident memory of a change worker (its own process, as deployed) idle, with half of `parked`
 * changes waiting for approval and with all of them, per workflow cache size. The second half's
 * growth per change is what a waiting change costs; the jump from idle to the first half also
 * holds what any worker allocates once it works (its workflow thread's heap, the SDK core's
 * buffers). Parked changes are terminated afterwards so they weigh on nothing else in the
 * benchmark.
 */
export async function benchParkedMemory(ctx: ParkedMemoryContext): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const cache of ctx.cacheSizes) {
    const label = `m${cache}`;
    const taskQueue = `bench-parked-${ctx.run}-${cache}`;
    const zone = `parked${cache}.${ctx.run}.bench.test.`;
    await createCountedZone(ctx.pdns, zone, []);
    const dir = path.join(ctx.dataDir, `parked-${cache}`);
    mkdirSync(dir, { recursive: true });
    const worker = new WorkerChild({
      temporalAddress: ctx.temporalAddress,
      taskQueue,
      pdns: ctx.pdns,
      dns: ctx.dns,
      approversPath: ctx.approversPath,
      bundlePath: ctx.bundlePath,
      evidenceDir: dir,
      logFile: path.join(dir, 'worker.log'),
      coolingOffSeconds: 1,
      approvalExpirySeconds: 3600,
      maxCachedWorkflows: cache,
      standbys: 0,
    });
    const cs = new CountersignClient(ctx.client, taskQueue);
    const changes = Array.from({ length: ctx.parked }, (_, i) => parkedOnlyChange(ctx.run, label, zone, i));
    const query = `TaskQueue = '${taskQueue}' AND ${stateClause('awaiting_approval', stateKey.name)}`;
    // Parks changes [from, to) and waits until that many wait; returns the resident memory after.
    const park = async (from: number, to: number) => {
      const started = performance.now();
      await pool(to - from, 16, async (i) => {
        await cs.submit((changes[from + i] as (typeof changes)[number]).recommendation);
      });
      let parked = 0;
      for (let wait = 0; wait < 600 && parked < to; wait += 1) {
        await sleep(1000);
        parked = (await ctx.client.workflow.count(query)).count;
        if (wait % 10 === 9) ctx.log(`parked memory (cache ${cache}): ${parked}/${ctx.parked} parked`);
      }
      const perSecond = (parked - from) / ((performance.now() - started) / 1000);
      // Let the worker settle (sticky tasks done, garbage collected on its own schedule).
      await sleep(5000);
      return { parked, perSecond, memory: worker.memory() };
    };
    try {
      await worker.start();
      await sleep(1000);
      const idle = worker.memory();
      const half = Math.floor(ctx.parked / 2);
      const first = await park(0, half);
      const all = await park(half, ctx.parked);
      const cacheLabel = cache === defaultMaxCachedWorkflows ? `${cache}, the default` : String(cache);
      // The goal is in megabytes (10^6 bytes), the table in MiB as the kernel reports it.
      const megabytes = (all.memory.rssKiB * 1024) / 1e6;
      // The goal is for 1,000 waiting changes: another count, or a wait that ended short, is not it.
      const goal =
        ctx.parked === goalParked
          ? ctx.goals.check(
              'parked-memory',
              all.parked === goalParked ? megabytes : Number.NaN,
              `cache ${cacheLabel}${all.parked === goalParked ? '' : `, only ${all.parked} parked`}`,
            )
          : '(the goal is at 1,000 parked)';
      rows.push([
        cacheLabel,
        mib(idle.rssKiB),
        `${mib(first.memory.rssKiB)} (${first.parked})`,
        `${mib(all.memory.rssKiB)} (${all.parked})`,
        mib(all.memory.peakKiB),
        ((all.memory.rssKiB - first.memory.rssKiB) / 1024 / Math.max(all.parked - first.parked, 1)).toFixed(
          2,
        ),
        ((first.perSecond + all.perSecond) / 2).toFixed(1),
        goal,
      ]);
    } finally {
      await worker.stop();
      await pool(changes.length, 16, (i) =>
        ctx.client.workflow
          .getHandle((changes[i] as (typeof changes)[number]).workflowId)
          .terminate('benchmark over')
          .catch(() => undefined),
      );
    }
  }
  return table(
    [
      'workflow cache',
      'idle RSS MiB',
      'RSS MiB (half parked)',
      'RSS MiB (all parked)',
      'peak MiB',
      'MiB per parked, 2nd half',
      'parked/s',
      'goal (all parked)',
    ],
    rows,
  );
}

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
  readonly log: (line: string) => void;
}

const mib = (kib: number) => (kib / 1024).toFixed(0);

/**
 * Resident memory of a change worker (its own process, as deployed) idle and with `parked` changes
 * waiting for approval, per workflow cache size. Parked changes are terminated afterwards so they
 * weigh on nothing else in the benchmark.
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
    try {
      await worker.start();
      await sleep(1000);
      const idle = worker.memory();
      const started = performance.now();
      await pool(changes.length, 16, async (i) => {
        await cs.submit((changes[i] as (typeof changes)[number]).recommendation);
      });
      const query = `TaskQueue = '${taskQueue}' AND ${stateClause('awaiting_approval', stateKey.name)}`;
      let parked = 0;
      for (let wait = 0; wait < 600 && parked < ctx.parked; wait += 1) {
        await sleep(1000);
        parked = (await ctx.client.workflow.count(query)).count;
        if (wait % 10 === 9) ctx.log(`parked memory (cache ${cache}): ${parked}/${ctx.parked} parked`);
      }
      const parkSeconds = (performance.now() - started) / 1000;
      // Let the worker settle (sticky tasks done, garbage collected on its own schedule).
      await sleep(5000);
      const loaded = worker.memory();
      rows.push([
        cache === 250 ? `${cache} (default)` : String(cache),
        mib(idle.rssKiB),
        parked,
        mib(loaded.rssKiB),
        mib(loaded.peakKiB),
        ((loaded.rssKiB - idle.rssKiB) / 1024 / Math.max(parked, 1)).toFixed(2),
        (parked / parkSeconds).toFixed(0),
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
    ['workflow cache', 'idle RSS MiB', 'parked', 'RSS MiB parked', 'peak MiB', 'MiB per parked', 'parked/s'],
    rows,
  );
}

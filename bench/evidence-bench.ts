import path from 'node:path';
import { writeWorkflowBundle } from '../workers/workflow-bundle';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Logger } from 'pino';
import type { EvidenceStore } from '../activities/evidence/evidence-store';
import { folderStore } from '../activities/evidence/folder-store';
import { s3Store } from '../activities/evidence/s3-store';
import { createSealActivities } from '../activities/evidence/seal-activities';
import { verifyEvidence } from '../activities/evidence/verify-evidence';
import { bundleKeyOf } from '../src/evidence/layout';
import type { LedgerHead } from '../src/evidence/ledger';
import { generateEvidenceKey } from '../workers/evidence-key';
import type { S3ServerHandle } from '../workers/stack/s3-server';
import { percentile, table } from './stats';

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/**
 * (e) What sealing costs per closed change, against the part no exporter can skip: reading the
 * change's history (baseline, measured on the same changes in the same run). Then what an
 * auditor's offline verification costs per bundle, with and without the replay.
 */
export async function benchEvidence(o: {
  readonly client: Client;
  readonly workflowIds: readonly string[];
  readonly dataDir: string;
  readonly s3: S3ServerHandle | undefined;
  readonly logger: Logger;
}): Promise<string> {
  const runs = await Promise.all(
    o.workflowIds.map(async (workflowId) => ({
      workflowId,
      runId: (await o.client.workflow.getHandle(workflowId).describe()).runId,
    })),
  );
  const baseline = [];
  for (const run of runs)
    baseline.push(
      (
        await timed(async () =>
          historyToJSON(await o.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()),
        )
      ).ms,
    );
  const signer = generateEvidenceKey(path.join(o.dataDir, 'evidence-keys'));
  const stores: [string, EvidenceStore][] = [
    ['a write-once folder', folderStore(path.join(o.dataDir, 'evidence'))],
  ];
  if (o.s3 !== undefined) {
    const bucket = s3Store({
      endpoint: o.s3.endpoint,
      region: o.s3.region,
      bucket: o.s3.bucket ?? 'countersign-evidence',
      prefix: `bench-${Date.now().toString(36)}/`,
      credentials: { accessKeyId: o.s3.accessKeyId, secretAccessKey: o.s3.secretAccessKey },
      retentionDays: 1,
    });
    await bucket.ensureBucket();
    stores.push(['an S3 Object Lock bucket (versitygw)', bucket]);
  }
  const base50 = percentile(baseline, 50);
  const rows: (string | number)[][] = [
    [
      'read the history (baseline)',
      runs.length,
      base50.toFixed(1),
      percentile(baseline, 95).toFixed(1),
      '1.00',
      '-',
    ],
  ];
  const env = new MockActivityEnvironment();
  let sizes: number[] = [];
  for (const [name, store] of stores) {
    const seal = createSealActivities({ client: o.client, store, key: signer.key, logger: o.logger });
    let head: LedgerHead | null = null;
    const times: number[] = [];
    for (const run of runs) {
      const sealNext = (): Promise<LedgerHead> => seal.sealChange(run, head);
      const step = await timed(() => env.run<[], LedgerHead, typeof sealNext>(sealNext));
      head = step.value;
      times.push(step.ms);
    }
    sizes = await Promise.all(runs.map(async (run) => (await store.get(bundleKeyOf(run)))?.byteLength ?? 0));
    rows.push([
      `seal into ${name}`,
      runs.length,
      percentile(times, 50).toFixed(1),
      percentile(times, 95).toFixed(1),
      (percentile(times, 50) / base50).toFixed(2),
      `${(percentile(sizes, 50) / 1024).toFixed(0)} KiB`,
    ]);
  }
  const [, folder] = stores[0] as [string, EvidenceStore];
  const bundlePath = path.join(o.dataDir, 'verify-bundle.js');
  await writeWorkflowBundle(bundlePath);
  for (const [name, replay] of [
    ['verify offline (signature, entries, ledger)', false],
    ['verify offline with the replay', { workflowBundlePath: bundlePath }],
  ] as const) {
    const times: number[] = [];
    for (const run of runs) {
      const bytes = (await folder.get(bundleKeyOf(run))) ?? new Uint8Array();
      const step = await timed(() =>
        verifyEvidence(bytes, { trusted: signer.keyring.keys, store: folder, replay }),
      );
      if (!step.value.ok) throw new Error(`${run.workflowId} did not verify: ${step.value.failure}`);
      times.push(step.ms);
    }
    rows.push([
      name,
      runs.length,
      percentile(times, 50).toFixed(1),
      percentile(times, 95).toFixed(1),
      (percentile(times, 50) / base50).toFixed(2),
      '-',
    ]);
  }
  return table(['step, per closed change', 'n', 'p50 ms', 'p95 ms', 'p50 ratio', 'bundle p50'], rows);
}

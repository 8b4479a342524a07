import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { EvidenceStore } from '../../activities/evidence/evidence-store';
import { verifyEvidence } from '../../activities/evidence/verify-evidence';
import { isFinal } from '../../src/change/states';
import { bundleKeyOf, sealKeyOf } from '../../src/evidence/layout';
import { stateQuery } from '../../workflows/messages';
import type { TrustedKey } from '../../src/evidence/signing';
import type { GeneratedKey } from '../evidence-key';
import { generateEvidenceKey, loadKeyring, loadSigningKey } from '../evidence-key';
import type { S3ServerHandle } from '../stack/s3-server';
import { evidenceBucket } from '../stack/local-stack';

/**
 * The demo deployment's evidence key, kept across runs in `dir` (so bundles from earlier runs
 * still verify): created on the first run, reused after.
 */
export function demoEvidenceKey(dir: string): Pick<GeneratedKey, 'key' | 'keyring' | 'keyringFile'> {
  const keyringFile = path.join(dir, 'evidence-keyring.json');
  const pem = existsSync(dir)
    ? readdirSync(dir).find((f) => /^evidence-key-[0-9a-f]{16}\.pem$/.test(f))
    : undefined;
  if (pem === undefined || !existsSync(keyringFile)) return generateEvidenceKey(dir);
  return { key: loadSigningKey(path.join(dir, pem)), keyring: loadKeyring(keyringFile), keyringFile };
}

/**
 * What `countersign verify` needs to reach the demo's bucket, as a file readable by its owner
 * only (the S3 server's generated root credentials are in it).
 */
export function writeEvidenceEnv(
  file: string,
  s3: S3ServerHandle,
  keyringFile: string,
  retentionDays: number,
): void {
  const lines = [
    `COUNTERSIGN_EVIDENCE_S3_ENDPOINT=${s3.endpoint}`,
    `COUNTERSIGN_EVIDENCE_S3_BUCKET=${evidenceBucket}`,
    `COUNTERSIGN_EVIDENCE_S3_REGION=${s3.region}`,
    `COUNTERSIGN_EVIDENCE_KEYRING=${keyringFile}`,
    `COUNTERSIGN_EVIDENCE_S3_RETENTION_DAYS=${retentionDays}`,
    `AWS_ACCESS_KEY_ID=${s3.accessKeyId}`,
    `AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}`,
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}

/**
 * Every change of this demo run that closed is sealed by the exporter into the bucket; each is
 * then verified offline as an auditor would (signature, entries, ledger, replay). Returns what
 * went wrong, if anything.
 */
export async function showSealedEvidence(options: {
  readonly client: Client;
  readonly store: EvidenceStore;
  readonly trusted: readonly TrustedKey[];
  readonly since: Date;
  readonly workflowBundlePath: string;
  /** How to verify one by hand; absent when the bucket stops with the demo (`--once`). */
  readonly verifyHint?: string;
}): Promise<string[]> {
  const closed: { workflowId: string; runId: string }[] = [];
  const query = `WorkflowType = 'changeWorkflow' AND StartTime >= '${options.since.toISOString()}'`;
  for await (const execution of options.client.workflow.list({ query })) {
    const run = { workflowId: execution.workflowId, runId: execution.runId };
    if (execution.status.name !== 'RUNNING') closed.push(run);
    // A change that has just ended is still doing its closing work (and visibility may lag):
    // wait for it; one that waits for people is not closed and not sealed yet.
    else if (
      isFinal((await options.client.workflow.getHandle(run.workflowId, run.runId).query(stateQuery)).state)
    ) {
      // However it ends (a failed execution is sealed too), it is closed once this settles.
      await options.client.workflow
        .getHandle(run.workflowId, run.runId)
        .result()
        .catch(() => undefined);
      closed.push(run);
    }
  }
  console.log(`\nsealing the ${closed.length} closed changes of this run into the Object Lock bucket ...`);
  const deadline = Date.now() + 120_000;
  const problems: string[] = [];
  let verified = 0;
  for (const run of closed.sort((a, b) => a.workflowId.localeCompare(b.workflowId))) {
    while ((await options.store.get(sealKeyOf(run))) === undefined && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 250));
    const bytes = await options.store.get(bundleKeyOf(run));
    if (bytes === undefined) {
      problems.push(`${run.workflowId} was not sealed within 2 minutes`);
      continue;
    }
    const verdict = await verifyEvidence(bytes, {
      trusted: options.trusted,
      store: options.store,
      replay: { workflowBundlePath: options.workflowBundlePath },
    });
    if (verdict.ok) verified += 1;
    else problems.push(`${run.workflowId}: evidence did not verify (${verdict.failure})`);
    const failed = verdict.lines.find((l) => l.status === 'failed');
    console.log(
      `  ${verdict.ok ? 'ok ' : 'BAD'} ${run.workflowId.padEnd(48)} ${verdict.ok ? 'signature, entries, ledger, replay verified' : (failed?.detail ?? '')}`,
    );
  }
  console.log(`${verified} of ${closed.length} bundles verified offline.`);
  if (options.verifyHint !== undefined)
    console.log(`Verify one yourself while the demo runs:\n  ${options.verifyHint}`);
  return problems;
}

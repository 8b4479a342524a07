import type { EvidenceStore } from '../activities/evidence/evidence-store';
import { folderStore } from '../activities/evidence/folder-store';
import { s3Store } from '../activities/evidence/s3-store';

/** Seven years, a common retention for change records; set per deployment. */
export const defaultRetentionDays = 2555;

/**
 * The evidence store a deployment configured: an Object Lock bucket when
 * COUNTERSIGN_EVIDENCE_S3_BUCKET is set, else the write-once folder COUNTERSIGN_EVIDENCE_STORE_DIR,
 * else none (closed changes then wait, unsealed, until an exporter with a store runs). For writing,
 * a bucket is checked (and created with Object Lock when missing) before it is used.
 */
export async function evidenceStoreFromEnv(
  env: NodeJS.ProcessEnv,
  /** `read`: an auditor's command, which must never create a bucket (a mistyped name would). */
  access: 'write' | 'read' = 'write',
): Promise<EvidenceStore | null> {
  const bucket = env.COUNTERSIGN_EVIDENCE_S3_BUCKET;
  if (bucket !== undefined && bucket !== '') {
    const retention = env.COUNTERSIGN_EVIDENCE_S3_RETENTION_DAYS ?? String(defaultRetentionDays);
    if (!/^[1-9][0-9]{0,5}$/.test(retention))
      throw new Error(
        `COUNTERSIGN_EVIDENCE_S3_RETENTION_DAYS is ${JSON.stringify(retention)}; expected whole days from 1 (default ${defaultRetentionDays})`,
      );
    const prefix = env.COUNTERSIGN_EVIDENCE_S3_PREFIX;
    const endpoint = env.COUNTERSIGN_EVIDENCE_S3_ENDPOINT;
    const store = s3Store({
      bucket,
      region: env.COUNTERSIGN_EVIDENCE_S3_REGION ?? env.AWS_REGION ?? 'us-east-1',
      retentionDays: Number(retention),
      ...(endpoint === undefined || endpoint === '' ? {} : { endpoint }),
      ...(prefix === undefined || prefix === '' ? {} : { prefix }),
    });
    if (access === 'write') await store.ensureBucket();
    return store;
  }
  const dir = env.COUNTERSIGN_EVIDENCE_STORE_DIR;
  if (dir !== undefined && dir !== '') return folderStore(dir);
  return null;
}

/**
 * The store an auditor's command reads: the folder given with `--store`, else the configured
 * bucket or folder; read-only (never creates a bucket).
 */
export function auditorStore(folder: string | undefined): Promise<EvidenceStore | null> {
  return evidenceStoreFromEnv(
    folder === undefined
      ? process.env
      : { ...process.env, COUNTERSIGN_EVIDENCE_STORE_DIR: folder, COUNTERSIGN_EVIDENCE_S3_BUCKET: undefined },
    'read',
  );
}

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { s3Store } from '../../activities/evidence/s3-store';
import { PreconditionError } from '../preflight/precondition-error';
import { ensureS3Installed } from './install';
import type { ManagedProcess } from './processes';
import { freePort, startProcess, tcpOpen, waitFor } from './processes';

export interface S3ServerOptions {
  /** Buckets, object versions and the root credentials live here; a restart keeps all three. */
  readonly dataDir: string;
  /** Where `versitygw.log` goes; the data folder when absent. */
  readonly logsDir?: string;
  /** The versitygw binary; COUNTERSIGN_S3_BIN, else the one scripts/install-s3.sh builds. */
  readonly bin?: string;
  /** A free loopback port when absent. */
  readonly port?: number;
  readonly region?: string;
  /** A bucket to create with Object Lock enabled (kept if it exists) before returning. */
  readonly bucket?: string;
}

export interface S3ServerHandle extends ManagedProcess {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly bucket?: string;
}

interface RootCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The root key pair lives in the data folder, readable by its owner only, generated once. */
function rootCredentialsFor(dir: string): RootCredentials {
  const file = path.join(dir, 'root-credentials.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as RootCredentials;
  const credentials: RootCredentials = {
    accessKeyId: `CS${randomBytes(9).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
  writeFileSync(file, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  return credentials;
}

/**
 * Starts the Versity S3 Gateway on loopback over a POSIX folder, with bucket versioning (a sibling
 * folder holds old versions), so a bucket created with Object Lock enforces it: an overwrite adds
 * a version, and no locked version can be deleted or have its COMPLIANCE retention shortened.
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3ServerHandle> {
  const dir = path.resolve(options.dataDir);
  const bucketsDir = path.join(dir, 'buckets');
  const versionsDir = path.join(dir, 'versions');
  for (const d of [dir, bucketsDir, versionsDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const bin = options.bin ?? ensureS3Installed();
  const credentials = rootCredentialsFor(dir);
  const region = options.region ?? 'us-east-1';
  const port = options.port ?? (await freePort());
  if (await tcpOpen('127.0.0.1', port))
    throw new PreconditionError(
      `the S3 server's port ${port} is already in use; stop what holds it or choose another port`,
    );
  const logsDir = options.logsDir ?? dir;
  mkdirSync(logsDir, { recursive: true });
  const logFile = path.join(logsDir, 'versitygw.log');
  const args = [
    '--port',
    `127.0.0.1:${port}`,
    '--region',
    region,
    '--health',
    '/health',
    '--quiet',
    'posix',
    '--versioning-dir',
    versionsDir,
    bucketsDir,
  ];
  // The root secret goes through the environment, not argv, which every local user can read.
  const { child, managed } = startProcess('versitygw', bin, args, logFile, {
    ROOT_ACCESS_KEY_ID: credentials.accessKeyId,
    ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor('S3 server (versitygw)', async () => (await fetch(`${endpoint}/health`)).ok, 20_000, {
      child,
      logFile,
    });
    if (options.bucket !== undefined)
      await s3Store({
        endpoint,
        region,
        bucket: options.bucket,
        credentials,
        retentionDays: 1,
      }).ensureBucket();
  } catch (err) {
    await managed.stop();
    throw err;
  }
  return {
    ...managed,
    endpoint,
    region,
    ...credentials,
    ...(options.bucket === undefined ? {} : { bucket: options.bucket }),
  };
}

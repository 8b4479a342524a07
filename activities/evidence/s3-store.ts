import type { S3ClientConfig } from '@aws-sdk/client-s3';
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { EvidenceStore } from './evidence-store';
import { EvidenceConflictError, isStoreKey, sameBytes } from './evidence-store';

export interface S3StoreOptions {
  /** An S3-compatible endpoint (`http://127.0.0.1:9000`); AWS's own when absent. */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket: string;
  /** Put before every key (`countersign/`); keys are listed and returned without it. */
  readonly prefix?: string;
  /** Static credentials; the AWS SDK's standard chain (environment, profile, role) when absent. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Each object is locked in COMPLIANCE mode until this many days after it is written. */
  readonly retentionDays: number;
  /** Path-style addressing (`endpoint/bucket/key`); the default with a custom endpoint. */
  readonly forcePathStyle?: boolean;
}

export interface S3EvidenceStore extends EvidenceStore {
  readonly bucket: string;
  /**
   * Creates the bucket with Object Lock enabled when it does not exist; refuses, with what to do,
   * a bucket that exists without Object Lock (it could not protect what is written to it).
   */
  ensureBucket(): Promise<'created' | 'exists'>;
  /** Always there: ListObjectVersions shows every overwrite and delete marker. */
  anomalies(prefix: string): Promise<readonly string[]>;
}

/**
 * Thrown when the bucket cannot be used as configured (unreachable endpoint, refused credentials,
 * missing bucket, no Object Lock): the message says what happened and what to do.
 */
export class S3StoreError extends Error {
  constructor(
    message: string,
    readonly bucket: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'S3StoreError';
  }
}

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const errorCode = (err: unknown): string => (err as SdkError).name ?? 'Error';
const httpStatus = (err: unknown): number | undefined => (err as SdkError).$metadata?.httpStatusCode;

const credentialCodes = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'XAdminUserNotFound', // versitygw's answer for an unknown access key
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
]);

/** What `ListObjectVersions` holds for one key: its object versions and delete markers. */
interface KeyVersions {
  /** Object version ids, newest first (the order S3 lists them in), so the last is the original. */
  readonly versionIds: string[];
  deleteMarkers: number;
  /** The newest entry is a delete marker: a plain GET or LIST no longer shows the key. */
  hidden: boolean;
}

/**
 * Evidence in an S3 bucket with Object Lock: every object is written with `If-None-Match: *` and a
 * COMPLIANCE retention, so the server itself refuses to delete any version or shorten its lock
 * until the retention ends, whoever asks. An unconditional overwrite by another client only adds a
 * newer version, a delete without a version id only adds a delete marker; so this store reads
 * every key's oldest version (the locked one it wrote), lists keys behind delete markers, never
 * writes a second version of a key, and reports any extra version or marker (`anomalies`).
 */
export function s3Store(options: S3StoreOptions): S3EvidenceStore {
  const { bucket, retentionDays } = options;
  if (!Number.isInteger(retentionDays) || retentionDays < 1)
    throw new Error(
      `the evidence retention must be a whole number of days, at least 1; got ${retentionDays}`,
    );
  const prefix = options.prefix ?? '';
  if (prefix !== '' && (!prefix.endsWith('/') || !isStoreKey(prefix.slice(0, -1))))
    throw new Error(
      `the evidence key prefix ${JSON.stringify(prefix)} must be store-key segments ending with '/'`,
    );
  const config: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
  };
  // The SDK warns on Node 20 that versions after January 2027 will need Node 22; the locked
  // version supports Node 20 (see the README's dependency notes), so the warning is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client(config);
  const where = options.endpoint === undefined ? `AWS S3 (${options.region})` : options.endpoint;

  /** An SDK failure as a message an operator can act on; other failures pass through. */
  const explain = (err: unknown, doing: string): unknown => {
    const code = errorCode(err);
    const status = httpStatus(err);
    if (status === undefined && code !== 'CredentialsProviderError') {
      const detail = (err as SdkError).code ?? (err as SdkError).message ?? code;
      return new S3StoreError(
        `could not reach the S3 endpoint ${where} while ${doing} (${detail}): check the endpoint and ` +
          `region, and that the server is running and reachable from here`,
        bucket,
        'unreachable',
        { cause: err },
      );
    }
    if (credentialCodes.has(code))
      return new S3StoreError(
        `${where} refused the credentials while ${doing} (${code}): check the access key and secret ` +
          `(or the AWS profile or role the SDK found) for bucket ${bucket}`,
        bucket,
        'credentials',
        { cause: err },
      );
    if (code === 'NoSuchBucket')
      return new S3StoreError(
        `the evidence bucket ${bucket} does not exist at ${where}: create it with Object Lock enabled ` +
          `(or let the worker's ensureBucket create it), then try again`,
        bucket,
        'no_bucket',
        { cause: err },
      );
    if (code === 'AccessDenied' || status === 403)
      return new S3StoreError(
        `${where} denied ${doing} on bucket ${bucket} (${code}): grant these credentials ` +
          `s3:GetObject, s3:GetObjectVersion, s3:PutObject, s3:PutObjectRetention, s3:ListBucket, ` +
          `s3:ListBucketVersions and ` +
          `s3:GetBucketObjectLockConfiguration on it`,
        bucket,
        'denied',
        { cause: err },
      );
    return err;
  };

  const objectKey = (key: string) => {
    if (!isStoreKey(key)) throw new Error(`not a store key: ${JSON.stringify(key)}`);
    return `${prefix}${key}`;
  };

  /**
   * Every key under `fullPrefix` (bucket key, store prefix included) with its versions and delete
   * markers, in key order. With `exactKey`, only that key, and the listing stops past it.
   */
  const versionsUnder = async (fullPrefix: string, exactKey?: string): Promise<Map<string, KeyVersions>> => {
    const keys = new Map<string, KeyVersions>();
    const entry = (key: string) => {
      let found = keys.get(key);
      if (found === undefined) {
        found = { versionIds: [], deleteMarkers: 0, hidden: false };
        keys.set(key, found);
      }
      return found;
    };
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListObjectVersionsCommand({ Bucket: bucket, Prefix: fullPrefix, KeyMarker, VersionIdMarker }),
      );
      // Within a key, S3 lists versions and markers newest first, and continues a key on the next page.
      for (const version of page.Versions ?? [])
        if (version.Key !== undefined && (exactKey === undefined || version.Key === exactKey))
          entry(version.Key).versionIds.push(version.VersionId ?? 'null');
      for (const marker of page.DeleteMarkers ?? [])
        if (marker.Key !== undefined && (exactKey === undefined || marker.Key === exactKey)) {
          const found = entry(marker.Key);
          found.deleteMarkers++;
          if (marker.IsLatest === true) found.hidden = true;
        }
      if (page.IsTruncated !== true) break;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
      if (KeyMarker === undefined) break;
      // Keys under `exactKey` sort after it: once the listing has moved past it, it is complete.
      if (exactKey !== undefined && KeyMarker !== exactKey) break;
    }
    return new Map([...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  };

  /** The key's object versions, newest first; empty when it never held an object. */
  const versionsOf = async (Key: string): Promise<KeyVersions | undefined> =>
    (await versionsUnder(Key, Key)).get(Key);

  /**
   * The oldest version's bytes: the one this store wrote and S3 locked. A newer version or a delete
   * marker (added by whoever can write or delete without a version id) changes nothing here.
   */
  const readOriginal = async (Key: string): Promise<Uint8Array | undefined> => {
    const versions = await versionsOf(Key);
    const VersionId = versions?.versionIds.at(-1);
    if (VersionId === undefined) return undefined;
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key, VersionId }));
    return out.Body === undefined ? new Uint8Array() : await out.Body.transformToByteArray();
  };

  const get = async (key: string): Promise<Uint8Array | undefined> => {
    const Key = objectKey(key);
    try {
      return await readOriginal(Key);
    } catch (err) {
      // The version listed a moment ago cannot vanish while locked; an unlocked one can (its owner
      // deleted it by version id), which reads as missing.
      if (errorCode(err) === 'NoSuchKey' || errorCode(err) === 'NoSuchVersion') return undefined;
      throw explain(err, `reading ${key}`);
    }
  };

  /** The stored original compared with `bytes`: identical, or a conflict. */
  const compare = (key: string, existing: Uint8Array, bytes: Uint8Array): 'identical' => {
    if (sameBytes(existing, bytes)) return 'identical';
    throw new EvidenceConflictError(key);
  };

  return {
    bucket,
    description:
      `S3 bucket ${bucket} at ${where}${prefix === '' ? '' : `, under ${prefix}`} (Object Lock COMPLIANCE, ` +
      `each object retained ${retentionDays} days: no version can be deleted or its lock shortened before then)`,
    get,

    async putOnce(key, bytes) {
      const Key = objectKey(key);
      // S3 judges `If-None-Match: *` against the current version, so behind a delete marker it may let
      // a second version through (versitygw refuses, AWS need not): a key that ever held an object
      // is compared with its original instead, and only a key that never did is written.
      const original = await get(key);
      if (original !== undefined) return compare(key, original, bytes);
      // Two conditional writes racing on one key: S3 answers 409 to the loser while the winner
      // completes; a short wait then reads the winner.
      for (let attempt = 1; ; attempt++) {
        try {
          await client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key,
              Body: bytes,
              IfNoneMatch: '*',
              ObjectLockMode: 'COMPLIANCE',
              ObjectLockRetainUntilDate: new Date(Date.now() + retentionDays * 86_400_000),
              // Object Lock puts must carry a checksum; SHA-256 also lets S3 verify the bytes.
              ChecksumAlgorithm: 'SHA256',
              ContentType: 'application/octet-stream',
            }),
          );
          return 'created';
        } catch (err) {
          const code = errorCode(err);
          const status = httpStatus(err);
          if (code === 'InvalidRequest' && /object ?lock/i.test((err as SdkError).message ?? ''))
            throw new S3StoreError(
              `bucket ${bucket} at ${where} refused an Object Lock retention (${(err as SdkError).message}): ` +
                `it has no Object Lock; evidence needs a bucket created with Object Lock enabled`,
              bucket,
              'no_object_lock',
              { cause: err },
            );
          if (status !== 412 && status !== 409) throw explain(err, `writing ${key}`);
          const existing = await get(key);
          if (existing !== undefined) return compare(key, existing, bytes);
          if (attempt >= 5) throw explain(err, `writing ${key}`);
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    },

    async list(listPrefix) {
      let keys: Map<string, KeyVersions>;
      try {
        keys = await versionsUnder(`${prefix}${listPrefix}`);
      } catch (err) {
        throw explain(err, `listing ${listPrefix}`);
      }
      // A key behind a delete marker is listed: its locked original is still there to read.
      return [...keys]
        .filter(([, versions]) => versions.versionIds.length > 0)
        .map(([key]) => key.slice(prefix.length));
    },

    async anomalies(listPrefix) {
      let keys: Map<string, KeyVersions>;
      try {
        keys = await versionsUnder(`${prefix}${listPrefix}`);
      } catch (err) {
        throw explain(err, `listing the versions under ${listPrefix === '' ? 'the store' : listPrefix}`);
      }
      const findings: string[] = [];
      for (const [fullKey, { versionIds, deleteMarkers, hidden }] of keys) {
        const key = fullKey.slice(prefix.length);
        const parts: string[] = [];
        if (versionIds.length === 0)
          parts.push(
            `has only ${deleteMarkers === 1 ? 'a delete marker' : `${deleteMarkers} delete markers`} and no object`,
          );
        else {
          if (versionIds.length > 1) parts.push(`has ${versionIds.length} versions (an overwrite)`);
          if (hidden) parts.push('is hidden by a delete marker');
          else if (deleteMarkers > 0)
            parts.push(
              `has ${deleteMarkers === 1 ? 'a delete marker' : `${deleteMarkers} delete markers`} (a delete)`,
            );
        }
        if (parts.length > 0) findings.push(`${key} ${parts.join(' and ')}`);
      }
      return findings;
    },

    async ensureBucket() {
      try {
        const out = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
        if (out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled') return 'exists';
      } catch (err) {
        const code = errorCode(err);
        if (code === 'NoSuchBucket') {
          try {
            await client.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
          } catch (createErr) {
            throw explain(createErr, `creating bucket ${bucket} with Object Lock`);
          }
          return 'created';
        }
        if (code !== 'ObjectLockConfigurationNotFoundError')
          throw explain(err, `reading the Object Lock configuration of bucket ${bucket}`);
      }
      throw new S3StoreError(
        `bucket ${bucket} at ${where} exists without Object Lock, so anything written to it could be ` +
          `deleted or replaced: choose a new bucket name (it will be created with Object Lock) or enable ` +
          `Object Lock on this one (AWS: versioning on, then PutObjectLockConfiguration), then start again`,
        bucket,
        'no_object_lock',
      );
    },
  };
}

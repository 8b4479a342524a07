import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { EvidenceConflictError, storeKey } from '../../activities/evidence/evidence-store';
import { S3StoreError, s3Store } from '../../activities/evidence/s3-store';
import { ledgerKeyOf } from '../../src/evidence/layout';
import type { S3ServerHandle } from '../../workers/stack/s3-server';
import { startS3Server } from '../../workers/stack/s3-server';

const day = 86_400_000;

/** The code and HTTP status of a refused SDK call (fails the test if the call succeeded). */
async function refusal(call: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  try {
    await call;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.name, status: e.$metadata?.httpStatusCode };
  }
  assert.fail('the server accepted a request it must refuse');
}

/** A bucket name unique to this test. */
function bucketName(t: TestContext): string {
  const base = t.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40);
  return `${base}-${Math.random().toString(36).slice(2, 8)}`.replace(/^-+/, '');
}

/**
 * Object Lock as the S3 server (versitygw) enforces it, proved with raw SDK calls so that nothing
 * of ours stands between the request and the refusal; then the evidence store on top of it.
 */
describe('S3 Object Lock (real versitygw)', () => {
  let dataDir: string;
  let server: S3ServerHandle;
  let s3: S3Client;

  const clientFor = (handle: S3ServerHandle) =>
    new S3Client({
      endpoint: handle.endpoint,
      region: handle.region,
      forcePathStyle: true,
      credentials: { accessKeyId: handle.accessKeyId, secretAccessKey: handle.secretAccessKey },
    });
  const storeIn = (bucket: string, prefix?: string) =>
    s3Store({
      endpoint: server.endpoint,
      region: server.region,
      bucket,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      retentionDays: 2,
      ...(prefix === undefined ? {} : { prefix }),
    });
  const read = async (Bucket: string, Key: string, VersionId?: string) => {
    const out = await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }));
    return Buffer.from(await out.Body!.transformToByteArray());
  };
  /** A locked bucket holding one object written the way the store writes it. */
  const lockedObject = async (t: TestContext) => {
    const bucket = bucketName(t);
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'ledger/0001',
        Body: 'sealed entry',
        IfNoneMatch: '*',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(Date.now() + day),
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    assert.ok(put.VersionId !== undefined, 'the bucket is versioned');
    return { bucket, key: 'ledger/0001', versionId: put.VersionId };
  };

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'countersign-s3-'));
    server = await startS3Server({ dataDir });
    s3 = clientFor(server);
  });
  after(async () => {
    s3?.destroy();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('what the server itself refuses', () => {
    it('deleting a locked version within its retention, with or without the bypass header', async (t) => {
      const { bucket, key, versionId } = await lockedObject(t);
      for (const bypass of [false, true]) {
        const refused = await refusal(
          s3.send(
            new DeleteObjectCommand({
              Bucket: bucket,
              Key: key,
              VersionId: versionId,
              BypassGovernanceRetention: bypass,
            }),
          ),
        );
        assert.deepEqual(refused, { code: 'AccessDenied', status: 403 }, `bypass: ${bypass}`);
      }
      const batch = await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: [{ Key: key, VersionId: versionId }] },
        }),
      );
      assert.deepEqual(
        batch.Errors?.map((e) => e.Code),
        ['AccessDenied'],
      );
      assert.equal((await read(bucket, key, versionId)).toString(), 'sealed entry');
    });

    it('shortening or downgrading a COMPLIANCE retention; extending it is allowed', async (t) => {
      const { bucket, key, versionId } = await lockedObject(t);
      const attempts = [
        { Mode: 'COMPLIANCE' as const, RetainUntilDate: new Date(Date.now() + 3_600_000) },
        { Mode: 'GOVERNANCE' as const, RetainUntilDate: new Date(Date.now() + 2 * day) },
      ];
      for (const Retention of attempts)
        for (const bypass of [false, true])
          assert.deepEqual(
            await refusal(
              s3.send(
                new PutObjectRetentionCommand({
                  Bucket: bucket,
                  Key: key,
                  VersionId: versionId,
                  Retention,
                  BypassGovernanceRetention: bypass,
                }),
              ),
            ),
            { code: 'AccessDenied', status: 403 },
            `${Retention.Mode} bypass: ${bypass}`,
          );
      // Removing the retention altogether is not even a valid request.
      assert.equal(
        (
          await refusal(
            s3.send(
              new PutObjectRetentionCommand({
                Bucket: bucket,
                Key: key,
                VersionId: versionId,
                Retention: {},
                BypassGovernanceRetention: true,
              }),
            ),
          )
        ).status,
        400,
      );
      const longer = new Date(Date.now() + 3 * day);
      await s3.send(
        new PutObjectRetentionCommand({
          Bucket: bucket,
          Key: key,
          VersionId: versionId,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: longer },
        }),
      );
      const now = await s3.send(
        new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );
      assert.equal(now.Retention?.Mode, 'COMPLIANCE');
      assert.equal(
        Math.round(now.Retention.RetainUntilDate!.getTime() / 1000),
        Math.round(longer.getTime() / 1000),
      );
    });

    it('an overwrite: a conditional PUT is refused; an unconditional one only adds a version', async (t) => {
      const { bucket, key, versionId } = await lockedObject(t);
      assert.deepEqual(
        await refusal(
          s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'forged', IfNoneMatch: '*' })),
        ),
        { code: 'PreconditionFailed', status: 412 },
      );
      const forged = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'forged' }));
      assert.notEqual(forged.VersionId, versionId);
      assert.equal(
        (await read(bucket, key)).toString(),
        'forged',
        'the newest version is what a plain GET reads',
      );
      assert.deepEqual(await read(bucket, key, versionId), Buffer.from('sealed entry'));
      const retention = await s3.send(
        new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );
      assert.equal(retention.Retention?.Mode, 'COMPLIANCE');
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
      assert.deepEqual(
        versions.Versions?.map((v) => v.VersionId).sort(),
        [versionId, forged.VersionId].sort(),
      );
      // A delete without a version id only hides the key behind a delete marker.
      const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(marker.DeleteMarker, true);
      assert.deepEqual(await read(bucket, key, versionId), Buffer.from('sealed entry'));
    });

    it('keeps its credentials and every lock across a restart', async (t) => {
      const { bucket, key, versionId } = await lockedObject(t);
      const { accessKeyId, secretAccessKey } = server;
      s3.destroy();
      await server.stop();
      server = await startS3Server({ dataDir });
      s3 = clientFor(server);
      assert.deepEqual([server.accessKeyId, server.secretAccessKey], [accessKeyId, secretAccessKey]);
      assert.deepEqual(
        await refusal(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))),
        { code: 'AccessDenied', status: 403 },
      );
    });
  });

  describe('the evidence store on it', () => {
    it('ensureBucket creates a bucket with Object Lock, then finds it', async (t) => {
      const store = storeIn(bucketName(t));
      assert.equal(await store.ensureBucket(), 'created');
      assert.equal(await store.ensureBucket(), 'exists');
      assert.match(store.description, /S3 bucket .* \(Object Lock COMPLIANCE, each object retained 2 days/);
    });

    it('putOnce: created, identical on the same bytes, conflict on other bytes; each object locked', async (t) => {
      const bucket = bucketName(t);
      const store = storeIn(bucket, 'countersign/');
      await store.ensureBucket();
      const key = storeKey('bundles', 'change/1 ~x', 'bundle.json');
      assert.equal(key, 'bundles/change~2F1~20~7Ex/bundle.json');
      const bytes = new TextEncoder().encode('{"sealed":true}');
      assert.equal(await store.putOnce(key, bytes), 'created');
      assert.equal(await store.putOnce(key, bytes), 'identical');
      await assert.rejects(store.putOnce(key, new TextEncoder().encode('{"sealed":false}')), (err) => {
        assert.ok(err instanceof EvidenceConflictError);
        assert.equal(err.key, key);
        return true;
      });
      assert.deepEqual(await store.get(key), bytes);
      const retention = await s3.send(
        new GetObjectRetentionCommand({ Bucket: bucket, Key: `countersign/${key}` }),
      );
      assert.equal(retention.Retention?.Mode, 'COMPLIANCE');
      const until = retention.Retention.RetainUntilDate!.getTime();
      assert.ok(
        Math.abs(until - (Date.now() + 2 * day)) < 60_000,
        `retained until ${new Date(until).toISOString()}`,
      );
    });

    it('get of a missing key is undefined; list is sorted, paginated and under the prefix only', async (t) => {
      const bucket = bucketName(t);
      const store = storeIn(bucket, 'countersign/');
      await store.ensureBucket();
      assert.equal(await store.get('ledger/missing'), undefined);
      assert.deepEqual(await store.list('ledger/'), []);
      // More than one page of 1000 keys, written in an order that is not the sorted one.
      const keys = Array.from({ length: 1003 }, (_, i) => storeKey('ledger', `entry ${(i * 7919) % 1003}`));
      for (let i = 0; i < keys.length; i += 16)
        await Promise.all(
          keys
            .slice(i, i + 16)
            .map((key) =>
              s3.send(new PutObjectCommand({ Bucket: bucket, Key: `countersign/${key}`, Body: key })),
            ),
        );
      await store.putOnce(storeKey('bundles', 'b'), new Uint8Array([1]));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'elsewhere/ledger/x', Body: 'x' }));
      const listed = await store.list('ledger/');
      assert.equal(listed.length, 1003);
      assert.deepEqual(listed, [...keys].sort());
      assert.deepEqual(await store.list('bundles/'), ['bundles/b']);
    });

    it('reads the locked original past an overwrite or a delete marker, and reports both', async (t) => {
      const bucket = bucketName(t);
      const store = storeIn(bucket, 'countersign/');
      await store.ensureBucket();
      const encode = (text: string) => new TextEncoder().encode(text);
      const raw = (key: string) => `countersign/${key}`;
      const [first, second, never] = [ledgerKeyOf(1), ledgerKeyOf(2), ledgerKeyOf(3)];
      assert.equal(await store.putOnce(first, encode('entry 1')), 'created');
      assert.equal(await store.putOnce(second, encode('entry 2')), 'created');
      assert.deepEqual(await store.anomalies(''), []);

      // An unconditional PUT (no key needed, only s3:PutObject) adds a newer version.
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: raw(first), Body: 'forged 1' }));
      assert.equal((await read(bucket, raw(first))).toString(), 'forged 1', 'a plain GET reads the forgery');
      assert.deepEqual(await store.get(first), encode('entry 1'));
      assert.deepEqual(await store.anomalies('ledger/'), [`${first} has 2 versions (an overwrite)`]);

      // A DELETE without a version id hides the key behind a delete marker.
      const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: raw(second) }));
      assert.equal(marker.DeleteMarker, true);
      assert.equal((await refusal(read(bucket, raw(second)))).status, 404, 'a plain GET finds nothing');
      assert.deepEqual(await store.get(second), encode('entry 2'));
      assert.deepEqual(await store.list('ledger/'), [first, second]);
      assert.deepEqual(await store.anomalies('ledger/'), [
        `${first} has 2 versions (an overwrite)`,
        `${second} is hidden by a delete marker`,
      ]);

      // Writing the hidden key again compares with its original and never adds a version.
      await assert.rejects(store.putOnce(second, encode('entry 2, forked')), (err) => {
        assert.ok(err instanceof EvidenceConflictError);
        assert.equal(err.key, second);
        return true;
      });
      assert.equal(await store.putOnce(second, encode('entry 2')), 'identical');
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: raw(second) }));
      assert.equal(versions.Versions?.length, 1, 'still the one locked version');
      assert.equal(versions.DeleteMarkers?.length, 1);

      // Both at once. (A DELETE of a key that never held an object adds a lone marker on AWS, not on
      // versitygw; the store would report it as "has only a delete marker and no object".)
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: raw(first) }));
      assert.deepEqual(await store.get(first), encode('entry 1'));
      assert.equal(await store.get(never), undefined);
      assert.deepEqual(await store.list('ledger/'), [first, second]);
      await store.putOnce(storeKey('bundles', 'b.json'), encode('bundle'));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'elsewhere/ledger/x', Body: 'x' }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'elsewhere/ledger/x', Body: 'y' }));
      assert.deepEqual(await store.anomalies(''), [
        `${first} has 2 versions (an overwrite) and is hidden by a delete marker`,
        `${second} is hidden by a delete marker`,
      ]);
      assert.deepEqual(await store.anomalies('bundles/'), []);
    });

    it('refuses a bucket without Object Lock, naming it and what to do', async (t) => {
      const bucket = bucketName(t);
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const store = storeIn(bucket);
      await assert.rejects(store.ensureBucket(), (err) => {
        assert.ok(err instanceof S3StoreError);
        assert.equal(err.code, 'no_object_lock');
        assert.match(err.message, new RegExp(`bucket ${bucket} at .* exists without Object Lock`));
        assert.match(err.message, /choose a new bucket name .* or enable Object Lock on this one/);
        return true;
      });
      await assert.rejects(store.putOnce('x', new Uint8Array([1])), {
        name: 'S3StoreError',
        code: 'no_object_lock',
      });
    });

    it('says what to do when the bucket is missing, the credentials are wrong or the endpoint is down', async (t) => {
      const missing = storeIn(bucketName(t));
      await assert.rejects(missing.putOnce('x', new Uint8Array([1])), {
        code: 'no_bucket',
        message: /does not exist at .*create it with Object Lock enabled/,
      });
      const wrongSecret = s3Store({
        endpoint: server.endpoint,
        region: server.region,
        bucket: 'any',
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'not-the-secret' },
        retentionDays: 1,
      });
      await assert.rejects(wrongSecret.ensureBucket(), {
        code: 'credentials',
        message: /refused the credentials .*check the access key and secret/,
      });
      const unknownKey = s3Store({
        endpoint: server.endpoint,
        region: server.region,
        bucket: 'any',
        credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'x' },
        retentionDays: 1,
      });
      await assert.rejects(unknownKey.get('x'), { code: 'credentials' });
      const down = s3Store({
        endpoint: 'http://127.0.0.1:1',
        region: server.region,
        bucket: 'any',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        retentionDays: 1,
      });
      await assert.rejects(down.list('ledger/'), {
        code: 'unreachable',
        message: /could not reach the S3 endpoint http:\/\/127\.0\.0\.1:1 .*ECONNREFUSED/,
      });
    });
  });
});

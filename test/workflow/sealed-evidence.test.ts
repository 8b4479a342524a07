import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DeleteObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { s3Store } from '../../activities/evidence/s3-store';
import { runCli } from '../helpers/cli';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { EvidenceStore } from '../../activities/evidence/evidence-store';
import { folderStore } from '../../activities/evidence/folder-store';
import { verifyEvidence, verifyStoredLedger } from '../../activities/evidence/verify-evidence';
import { exampleRecommendation } from '../../src/examples';
import type { SealedBundle } from '../../src/evidence/bundle';
import { bundleBytes, sealBundle } from '../../src/evidence/bundle';
import { bundleKeyOf, ledgerKeyOf } from '../../src/evidence/layout';
import { appendLedgerEntry } from '../../src/evidence/ledger';
import type { LedgerStatus } from '../../src/evidence/ledger-protocol';
import { ledgerWorkflowIdOf } from '../../src/evidence/ledger-protocol';
import type { TrustedKey } from '../../src/evidence/signing';
import { canonicalJson } from '../../src/hash';
import type { GeneratedKey } from '../../workers/evidence-key';
import { generateEvidenceKey } from '../../workers/evidence-key';
import { ledgerStatusQuery } from '../../workflows/messages';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { historyText } from '../helpers/history-text';
import { createTestZone } from '../helpers/zones';

const fast = { approvalExpirySeconds: 60, coolingOffSeconds: 2 };

/**
 * Sealed evidence end to end: changes close, the exporter seals each from its history into a
 * write-once store and anchors it in the ledger; then every kind of tampering is detected, each
 * as its own kind of failure, offline.
 */
describe('sealed evidence (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  let dir: string;
  let signer: GeneratedKey;
  let trusted: readonly TrustedKey[];
  let store: EvidenceStore;
  const sealed: { workflowId: string; bytes: Uint8Array }[] = [];

  before(async () => {
    h = await openHarness();
    dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-sealed-'));
    signer = generateEvidenceKey(path.join(dir, 'keys'));
    trusted = signer.keyring.keys;
    store = folderStore(path.join(dir, 'store'));
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const parse = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8')) as SealedBundle;
  const encode = (value: unknown) => new TextEncoder().encode(canonicalJson(value));
  const verify = (bytes: Uint8Array, s: EvidenceStore | null = store, replay = false) =>
    verifyEvidence(bytes, {
      trusted,
      store: s,
      replay: replay ? { workflowBundlePath: h.env.workflowBundle } : false,
    });

  it('seals every closed change into a signed bundle anchored in the ledger, and verify accepts it', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const auto = exampleRecommendation({
      id: `${id}-auto`,
      zone,
      environment: 'staging',
      change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.77'] },
    });
    const approved = exampleRecommendation({
      id: `${id}-approved`,
      zone,
      environment: 'production',
      onBehalfOf: 'bob@example.com',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.21'] },
    });
    await withWorker(h, id, { timings: fast, evidence: { key: signer.key, store } }, async () => {
      const first = await cs.submit(auto);
      const second = await cs.submit(approved);
      const waiting = await cs.waitForState(approved.id, ['awaiting_approval']);
      await cs.decide(approved.id, {
        key: h.key('alice@example.com'),
        decision: 'approve',
        reason: 'matches the runbook',
        planHash: waiting.approval?.planHash ?? '',
      });
      const results = [await first.handle.result(), await second.handle.result()];
      assert.deepEqual(
        results.map((r) => r.view.state),
        ['executed', 'executed'],
      );
      const ledger = h.client.workflow.getHandle(ledgerWorkflowIdOf(id));
      const status = await eventually(async () => {
        const s: LedgerStatus = await ledger.query(ledgerStatusQuery);
        assert.equal(s.pending, 0);
        assert.equal(s.head?.index, 1);
        return s;
      }, 60_000);
      assert.deepEqual(status.unsealed, []);

      for (const handle of [first.handle, second.handle]) {
        const { runId } = await handle.describe();
        const bytes = await store.get(bundleKeyOf({ workflowId: handle.workflowId, runId }));
        assert.ok(bytes !== undefined, `${handle.workflowId} has no bundle in the store`);
        sealed.push({ workflowId: handle.workflowId, bytes });
        const bundle = parse(bytes);
        assert.equal(bundle.signature.keyId, signer.key.keyId);
        // The trail is the history itself: the bundle embeds the closed workflow's events.
        const events = (bundle.content.history as { events: { eventType: string }[] }).events;
        assert.match(events[events.length - 1]?.eventType ?? '', /WORKFLOW_EXECUTION_COMPLETED/);
        assert.equal(bundle.content.change.closeStatus, 'COMPLETED');
        assert.equal(bundle.content.policy?.version, results[0]?.view.decision?.policyVersion);
        // No secret in the bundle: not the provider's API key, not the exporter's private key.
        const text = `${Buffer.from(bytes).toString('utf8')}\n${historyText(historyFromJSON(bundle.content.history))}`;
        assert.equal(text.includes(h.env.pdns.apiKey), false);
        assert.equal(text.includes(readFileSync(signer.keyFile, 'utf8').split('\n')[1] ?? 'no key'), false);
      }
      const approvedBundle = parse(sealed[1]?.bytes ?? new Uint8Array());
      assert.deepEqual(
        approvedBundle.content.approvals.map((e) => [e.step, e.actor]),
        [['approve_counted', 'alice@example.com']],
      );
      // The exporter's key never enters either history.
      const pem = readFileSync(signer.keyFile, 'utf8').split('\n')[1] ?? 'no key';
      assert.equal(historyText(await ledger.fetchHistory()).includes(pem), false);
      assert.equal(historyText(await first.handle.fetchHistory()).includes(pem), false);
    });

    const verdict = await verify(sealed[1]?.bytes ?? new Uint8Array(), store, true);
    assert.equal(verdict.ok, true, JSON.stringify(verdict.lines));
    assert.deepEqual(
      verdict.lines.map((l) => `${l.check}:${l.status}`),
      ['bundle:ok', 'entries:ok', 'signature:ok', 'ledger:ok', 'replay:ok'],
    );
    const ledgerVerdict = await verifyStoredLedger(store, trusted);
    assert.equal(ledgerVerdict.ok, true, ledgerVerdict.problems.join('; '));
    assert.equal(ledgerVerdict.entries, 2);

    // Audit over the ledger: each closed change is shown sealed, and a store without them says so.
    const env = { TEMPORAL_ADDRESS: h.env.temporalAddress, COUNTERSIGN_TASK_QUEUE: id };
    const window = ['--since', '1h', '--zone', zone, '--keyring', signer.keyringFile];
    const audit = await runCli(['--json', 'audit', ...window, '--store', path.join(dir, 'store')], { env });
    assert.equal(audit.code, 0, audit.stderr);
    const lines = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { sealed?: { index: number } | null });
    assert.deepEqual(lines.map((l) => l.sealed?.index).sort(), [0, 1]);
    const report = await runCli(['report', ...window, '--store', path.join(dir, 'store')], { env });
    assert.match(report.stdout, /Sealed evidence: 2 of 2 closed change\(s\) anchored in the verified ledger/);
    const elsewhere = await runCli(['report', ...window, '--store', path.join(dir, 'empty-store')], { env });
    assert.match(elsewhere.stdout, /NOT SEALED \(2\)/);
  });

  it('detects a bundle edited in any byte', async () => {
    const bytes = sealed[0]?.bytes;
    assert.ok(bytes !== undefined);
    // Every byte of the signature and digest, and positions spread over the rest of the bundle.
    const text = Buffer.from(bytes).toString('latin1');
    const signatureAt = text.indexOf('"signature"');
    const positions = new Set<number>();
    for (let i = 0; i < 200; i += 1) positions.add(Math.floor((i * bytes.length) / 200));
    for (let i = signatureAt; i < signatureAt + 140; i += 1) positions.add(i);
    const kinds = new Set<string>();
    for (const at of positions) {
      const edited = new Uint8Array(bytes);
      edited[at] = (edited[at] ?? 0) === 0x41 ? 0x42 : 0x41;
      const verdict = await verify(edited, null);
      assert.equal(verdict.ok, false, `an edit at byte ${at} of ${bytes.length} went unnoticed`);
      kinds.add(verdict.failure ?? 'none');
    }
    assert.ok(kinds.has('signature') && kinds.has('unreadable'), [...kinds].join(','));
  });

  it('names a removed entry as a broken chain, and a foreign key as an unknown key', async () => {
    const bundle = parse(sealed[0]?.bytes ?? new Uint8Array());
    const removed = {
      ...bundle,
      content: { ...bundle.content, entries: bundle.content.entries.filter((e) => e.seq !== 3) },
    };
    assert.equal((await verify(encode(removed), null)).failure, 'chain');

    const stranger = generateEvidenceKey(path.join(dir, 'stranger'));
    const resigned = bundleBytes(sealBundle(bundle.content, stranger.key));
    const verdict = await verify(resigned, null);
    assert.equal(verdict.failure, 'unknown_key');
    // Putting the stranger's id on the trusted key does not help: the key id is bound to the key.
    const forged = {
      ...parse(resigned),
      signature: { ...parse(resigned).signature, keyId: signer.key.keyId },
    };
    assert.equal((await verify(encode(forged), null)).failure, 'signature');
  });

  it('detects a bundle missing from the ledger, an entry removed from it, and a bundle deleted from the store', async () => {
    const bundle = parse(sealed[0]?.bytes ?? new Uint8Array());
    // A genuine bundle checked against a ledger that never anchored it.
    const emptyLedger = folderStore(path.join(dir, 'empty-ledger'));
    assert.equal((await verify(sealed[0]?.bytes ?? new Uint8Array(), emptyLedger)).failure, 'ledger');
    // A bundle that says it is another run than its history is refused before any ledger lookup,
    // even when signed with the deployment's key.
    const otherRun = { ...bundle.content, change: { ...bundle.content.change, runId: 'another-run' } };
    const lie = await verify(bundleBytes(sealBundle(otherRun, signer.key)));
    assert.equal(lie.failure, 'chain');
    assert.match(
      lie.lines.find((l) => l.status === 'failed')?.detail ?? '',
      /change differ from what the embedded history says/,
    );
    const otherPolicy = { ...bundle.content, policy: { version: 'lenient-1', hash: '0'.repeat(64) } };
    assert.equal((await verify(bundleBytes(sealBundle(otherPolicy, signer.key)))).failure, 'chain');

    const copyOf = (name: string) => {
      const copy = path.join(dir, name);
      cpSync(path.join(dir, 'store'), copy, { recursive: true });
      return copy;
    };
    const withoutEntry = copyOf('without-entry');
    rmSync(path.join(withoutEntry, ...ledgerKeyOf(0).split('/')), { force: true });
    const broken = await verify(sealed[1]?.bytes ?? new Uint8Array(), folderStore(withoutEntry));
    assert.equal(broken.failure, 'ledger');
    assert.match(
      broken.lines.find((l) => l.check === 'ledger')?.detail ?? '',
      /entry 1 stands where 0 belongs/,
    );

    const withoutBundle = copyOf('without-bundle');
    const { workflowId, runId } = bundle.content.change;
    rmSync(path.join(withoutBundle, ...bundleKeyOf({ workflowId, runId }).split('/')), { force: true });
    const ledgerVerdict = await verifyStoredLedger(folderStore(withoutBundle), trusted);
    assert.equal(ledgerVerdict.ok, false);
    assert.match(ledgerVerdict.problems.join('\n'), new RegExp(`the bundle of ${workflowId} is missing`));
  });

  it('detects a history that no longer replays on this build, even when signed and anchored', async () => {
    const bundle = parse(sealed[0]?.bytes ?? new Uint8Array());
    const history = JSON.parse(JSON.stringify(bundle.content.history)) as {
      events: { activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[];
    };
    const scheduled = history.events.find((e) => e.activityTaskScheduledEventAttributes !== undefined);
    assert.ok(scheduled?.activityTaskScheduledEventAttributes?.activityType !== undefined);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
    const content = { ...bundle.content, history };
    const resealed = sealBundle(content, signer.key);
    // Anchored in a ledger of its own, so only the replay can object.
    const replayStore = folderStore(path.join(dir, 'replay-store'));
    const { workflowId, runId } = content.change;
    await replayStore.putOnce(bundleKeyOf({ workflowId, runId }), bundleBytes(resealed));
    const entry = appendLedgerEntry(
      null,
      { key: bundleKeyOf({ workflowId, runId }), digest: resealed.digest },
      { workflowId, runId, closedAt: content.change.closedAt },
      signer.key,
    );
    await replayStore.putOnce(ledgerKeyOf(entry.index), encode(entry));
    const verdict = await verify(bundleBytes(resealed), replayStore, true);
    assert.equal(verdict.failure, 'replay', JSON.stringify(verdict.lines));
    assert.deepEqual(
      verdict.lines.map((l) => `${l.check}:${l.status}`),
      ['bundle:ok', 'entries:ok', 'signature:ok', 'ledger:ok', 'replay:failed'],
    );
  });

  it('says what it found with one exit code per kind of failure (the CLI, as an auditor runs it)', async () => {
    const bundle = parse(sealed[0]?.bytes ?? new Uint8Array());
    const file = (name: string, bytes: Uint8Array) => {
      const where = path.join(dir, name);
      writeFileSync(where, bytes);
      return where;
    };
    const edited = new Uint8Array(sealed[0]?.bytes ?? new Uint8Array());
    // In the change's description, outside the entries (an edit there is a broken chain, exit 6).
    const at = Buffer.from(edited).indexOf('"closedAt":"') + 14;
    edited[at] = (edited[at] ?? 0) === 0x41 ? 0x42 : 0x41;
    const removed = { ...bundle, content: { ...bundle.content, entries: bundle.content.entries.slice(1) } };
    const stranger = generateEvidenceKey(path.join(dir, 'cli-stranger'));
    const cases: [string, string, number, RegExp][] = [
      // Genuine, but checked without the replay: it says so rather than claiming more.
      [
        'genuine',
        file('genuine.json', sealed[0]?.bytes ?? new Uint8Array()),
        0,
        /^verified only in part: replay not checked/m,
      ],
      ['edited', file('edited.json', edited), 10, /✗ signature/],
      ['entry removed', file('removed.json', encode(removed)), 6, /✗ entries/],
      [
        'foreign key',
        file('foreign.json', bundleBytes(sealBundle(bundle.content, stranger.key))),
        11,
        /not in the keyring/,
      ],
      [
        'not anchored',
        file('unanchored.json', sealed[0]?.bytes ?? new Uint8Array()),
        12,
        /no ledger entry anchors/,
      ],
    ];
    const common = ['--keyring', signer.keyringFile, '--no-replay'];
    for (const [what, target, code, says] of cases) {
      const store = path.join(dir, what === 'not anchored' ? 'empty-ledger' : 'store');
      const run = await runCli(['verify', target, '--store', store, ...common]);
      assert.equal(run.code, code, `${what}: exit ${run.code}\n${run.stdout}${run.stderr}`);
      assert.match(run.stdout, says, what);
      assert.doesNotMatch(run.stderr, /\n\s+at /, `${what}: a stack trace`);
    }
    // By change id, from the store, with the replay: the real thing an auditor runs.
    const byId = await runCli([
      'verify',
      bundle.content.change.workflowId,
      '--store',
      path.join(dir, 'store'),
      '--keyring',
      signer.keyringFile,
      '--workflow-bundle',
      h.env.workflowBundle,
    ]);
    assert.equal(byId.code, 0, byId.stdout + byId.stderr);
    assert.match(byId.stdout, /✓ replay/);
    const replayFails = await runCli([
      'verify',
      path.join(dir, 'replay-store', ...bundleKeyOf(bundle.content.change).split('/')),
      '--store',
      path.join(dir, 'replay-store'),
      '--keyring',
      signer.keyringFile,
      '--workflow-bundle',
      h.env.workflowBundle,
    ]);
    assert.equal(replayFails.code, 13, replayFails.stdout + replayFails.stderr);
    const ledgerBroken = await runCli([
      'ledger',
      'verify',
      '--store',
      path.join(dir, 'without-bundle'),
      '--keyring',
      signer.keyringFile,
    ]);
    assert.equal(ledgerBroken.code, 12, ledgerBroken.stdout);
    assert.match(ledgerBroken.stdout, /LEDGER BROKEN/);
    const ledgerOk = await runCli([
      'ledger',
      'verify',
      '--store',
      path.join(dir, 'store'),
      '--keyring',
      signer.keyringFile,
    ]);
    assert.equal(ledgerOk.code, 0, ledgerOk.stdout + ledgerOk.stderr);
    assert.match(ledgerOk.stdout, /ledger verified: 2 entries/);
    const noKeyring = await runCli(['verify', 'whatever', '--store', path.join(dir, 'store')], {
      env: { COUNTERSIGN_EVIDENCE_KEYRING: '' },
    });
    assert.equal(noKeyring.code, 2);
    assert.match(noKeyring.stderr, /no keyring: pass --keyring/);
  });

  it("seals into the stack's Object Lock bucket, which then refuses to delete the bundle", async (t) => {
    const env = process.env;
    const s3 = {
      endpoint: env.COUNTERSIGN_TEST_S3_ENDPOINT ?? '',
      region: env.COUNTERSIGN_TEST_S3_REGION ?? 'us-east-1',
      credentials: {
        accessKeyId: env.COUNTERSIGN_TEST_S3_ACCESS_KEY_ID ?? '',
        secretAccessKey: env.COUNTERSIGN_TEST_S3_SECRET_ACCESS_KEY ?? '',
      },
    };
    const bucket = env.COUNTERSIGN_TEST_S3_BUCKET ?? '';
    assert.ok(s3.endpoint !== '' && bucket !== '', 'the test runner starts an S3 server');
    const id = slug(t);
    const prefix = `${id}/`;
    const bucketStore = s3Store({ ...s3, bucket, prefix, retentionDays: 1 });
    await bucketStore.ensureBucket();
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'staging',
      change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.9'] },
    });
    const run = await withWorker(
      h,
      id,
      { timings: fast, evidence: { key: signer.key, store: bucketStore } },
      async () => {
        const { handle } = await cs.submit(rec);
        assert.equal((await handle.result()).view.state, 'executed');
        const { runId } = await handle.describe();
        const ran = { workflowId: handle.workflowId, runId };
        // The exporter runs only as long as this worker does: wait here for the seal.
        const sealedBytes = await eventually(async () => {
          const found = await bucketStore.get(bundleKeyOf(ran));
          assert.ok(found !== undefined, 'not sealed yet');
          return found;
        }, 30_000);
        return { ...ran, bytes: sealedBytes };
      },
    );
    const { bytes } = run;
    const verdict = await verify(bytes, bucketStore, true);
    assert.equal(verdict.ok, true, JSON.stringify(verdict.lines));
    // The server itself refuses: the sealed version cannot be deleted within its retention.
    const raw = new S3Client({ ...s3, forcePathStyle: true });
    const key = `${prefix}${bundleKeyOf(run)}`;
    const versions = await raw.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    const versionId = versions.Versions?.[0]?.VersionId;
    assert.ok(versionId !== undefined);
    await assert.rejects(
      raw.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
      (err: Error) => /AccessDenied/i.test(err.name),
    );
    assert.ok((await bucketStore.get(bundleKeyOf(run))) !== undefined);
    raw.destroy();
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { EvidenceStore } from '../../activities/evidence/evidence-store';
import { EvidenceConflictError } from '../../activities/evidence/evidence-store';
import { folderStore } from '../../activities/evidence/folder-store';

const bytesOf = (text: string) => new TextEncoder().encode(text);
const textOf = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');

interface ManifestLine {
  readonly key: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly at: string;
}

describe('folderStore (the write-once folder)', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'countersign-folder-store-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  let n = 0;
  const fresh = (): { root: string; store: EvidenceStore } => {
    n += 1;
    const root = path.join(base, `store-${n}`);
    return { root, store: folderStore(root) };
  };
  const manifestOf = (root: string): ManifestLine[] =>
    readFileSync(path.join(root, 'manifest.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as ManifestLine);

  it('creates once; the same bytes again are identical; other bytes are a conflict', async () => {
    const { store } = fresh();
    assert.equal(await store.putOnce('bundles/a/run.json', bytesOf('one')), 'created');
    assert.equal(await store.putOnce('bundles/a/run.json', bytesOf('one')), 'identical');
    await assert.rejects(
      store.putOnce('bundles/a/run.json', bytesOf('two')),
      (err: unknown) =>
        err instanceof EvidenceConflictError &&
        err.key === 'bundles/a/run.json' &&
        /already holds other bytes; evidence is written once and never replaced/.test(err.message),
    );
    // An empty write is other bytes too, not a way to blank the object.
    await assert.rejects(store.putOnce('bundles/a/run.json', new Uint8Array()), EvidenceConflictError);
    assert.equal(textOf(await store.get('bundles/a/run.json')), 'one');
  });

  it('makes each file read-only and lists it in manifest.jsonl with its SHA-256', async () => {
    const { root, store } = fresh();
    const written = { 'ledger/000000000000.json': 'entry 0', 'bundles/x/r.json': 'a bundle' };
    for (const [key, text] of Object.entries(written)) await store.putOnce(key, bytesOf(text));
    await store.putOnce('ledger/000000000000.json', bytesOf('entry 0')); // identical: not listed again
    for (const key of Object.keys(written))
      assert.equal(statSync(path.join(root, ...key.split('/'))).mode & 0o777, 0o444, key);
    const manifest = manifestOf(root);
    assert.deepEqual(
      manifest.map((line) => [line.key, line.sha256, line.bytes]),
      Object.entries(written).map(([key, text]) => [
        key,
        createHash('sha256').update(text).digest('hex'),
        Buffer.byteLength(text),
      ]),
    );
    for (const line of manifest) assert.ok(!Number.isNaN(Date.parse(line.at)), line.at);
  });

  it('lists keys under a prefix, sorted and recursively, without temporary files', async () => {
    const { root, store } = fresh();
    for (const key of [
      'b/2/z.json',
      'b/10/a.json',
      'b/1.json',
      'a/x.json',
      'b/2/a.json',
      'ledger/000000000002.json',
    ])
      await store.putOnce(key, bytesOf(key));
    // A write that crashed before its link leaves a temporary file behind.
    writeFileSync(path.join(root, 'b', '2', 'c.json.123.456.partial'), 'half');
    assert.deepEqual(await store.list('b/'), ['b/1.json', 'b/10/a.json', 'b/2/a.json', 'b/2/z.json']);
    assert.deepEqual(await store.list('b/2/'), ['b/2/a.json', 'b/2/z.json']);
    assert.deepEqual(await store.list('nothing/'), []);
    assert.deepEqual(await store.list(''), [
      'a/x.json',
      'b/1.json',
      'b/10/a.json',
      'b/2/a.json',
      'b/2/z.json',
      'ledger/000000000002.json',
      'manifest.jsonl',
    ]);
  });

  it('answers undefined for a key that is not there, in a folder that does not exist yet', async () => {
    const { store } = fresh();
    assert.equal(await store.get('sealed/none/run.json'), undefined);
    assert.deepEqual(await store.list('ledger/'), []);
  });

  const badKeys = [
    '../outside',
    'a/../../outside',
    '/etc/passwd',
    'a//b',
    'a/./b',
    'a b',
    'a\\b',
    '',
    'bundles/',
  ];
  for (const key of badKeys)
    it(`refuses ${JSON.stringify(key)}, which is not a store key`, async () => {
      const { root, store } = fresh();
      await assert.rejects(store.putOnce(key, bytesOf('x')), /not a store key/);
      await assert.rejects(store.get(key), /not a store key/);
      assert.deepEqual(readdirSync(base).includes('outside'), false);
      assert.throws(() => statSync(path.join(root, 'manifest.jsonl')));
    });

  it('two concurrent writes of different bytes to one key: one is created, the other conflicts', async () => {
    for (let round = 0; round < 20; round += 1) {
      const { store } = fresh();
      const key = `ledger/${String(round).padStart(12, '0')}.json`;
      const results = await Promise.allSettled([
        store.putOnce(key, bytesOf('from exporter A')),
        store.putOnce(key, bytesOf('from exporter B')),
      ]);
      const created = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected');
      assert.deepEqual(
        created.map((r) => r.value),
        ['created'],
        `round ${round}: ${results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.value)).join('; ')}`,
      );
      assert.equal(refused.length, 1);
      assert.ok(refused[0]?.reason instanceof EvidenceConflictError, String(refused[0]?.reason));
      const winner = results[0]?.status === 'fulfilled' ? 'from exporter A' : 'from exporter B';
      assert.equal(textOf(await store.get(key)), winner);
      assert.deepEqual(await store.list('ledger/'), [key]);
    }
  });

  it('two concurrent writes of the same bytes: one is created, the other identical', async () => {
    for (let round = 0; round < 20; round += 1) {
      const { root, store } = fresh();
      const results = await Promise.all([
        store.putOnce('bundles/c/r.json', bytesOf('same')),
        store.putOnce('bundles/c/r.json', bytesOf('same')),
      ]);
      assert.deepEqual([...results].sort(), ['created', 'identical']);
      assert.equal(manifestOf(root).length, 1);
    }
  });

  it('a read-only folder it cannot write to is an error, not a silent success', async () => {
    const { root, store } = fresh();
    mkdirSync(path.join(root, 'locked'), { recursive: true, mode: 0o555 });
    if (process.getuid?.() === 0) return; // root writes anywhere
    await assert.rejects(store.putOnce('locked/a.json', bytesOf('x')), /EACCES/);
  });
});

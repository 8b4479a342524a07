import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { DeliveryLedger } from '../../activities/notify/delivery-ledger';
import {
  markDeliveryUncertain,
  memoryLedger,
  openFolderLedger,
} from '../../activities/notify/delivery-ledger';
import { notificationKey } from '../../src/notify/notification-key';

const root = mkdtempSync(path.join(tmpdir(), 'countersign-ledger-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(root, `ledger-${(n += 1)}`);

/** A send that counts its calls, failing the first `failures` of them. */
function counter(failures = 0) {
  const calls = { n: 0 };
  const send = async () => {
    calls.n += 1;
    if (calls.n <= failures) throw new Error(`receiver answered 503 (call ${calls.n})`);
  };
  return { calls, send };
}

describe('notification keys', () => {
  const origin = { workflowId: 'change-abc', runId: '0f3a9c2e-1111-2222-3333-444455556666', activityId: '7' };
  const cases: {
    name: string;
    a: typeof origin;
    b: typeof origin;
    eventA: string;
    eventB: string;
    same: boolean;
  }[] = [
    {
      name: 'a retry of one activity',
      a: origin,
      b: origin,
      eventA: 'auto_execute',
      eventB: 'auto_execute',
      same: true,
    },
    {
      name: 'the next activity, same kind',
      a: origin,
      b: { ...origin, activityId: '12' },
      eventA: 'approval-escalation-1',
      eventB: 'approval-escalation-1',
      same: false,
    },
    {
      name: 'another run of the workflow',
      a: origin,
      b: { ...origin, runId: '9e8d7c6b-0000' },
      eventA: 'x',
      eventB: 'x',
      same: false,
    },
    {
      name: 'another change',
      a: origin,
      b: { ...origin, workflowId: 'change-abd' },
      eventA: 'x',
      eventB: 'x',
      same: false,
    },
  ];
  for (const c of cases)
    it(`${c.name}: ${c.same ? 'the same key' : 'a different key'}`, () => {
      assert.equal(notificationKey(c.a, c.eventA) === notificationKey(c.b, c.eventB), c.same);
    });
  it('reads as workflow, event, then the attempt-proof part', () => {
    assert.equal(
      notificationKey(origin, 'auto_execute'),
      'change-abc:auto_execute:0f3a9c2e-1111-2222-3333-444455556666-7',
    );
  });
  it('two runs started within the same minute (UUIDv7 run ids share their first characters): different keys', () => {
    const first = { ...origin, runId: '01a23b59-6a1c-7c1e-9b0e-2f4c8d1e0a11', activityId: '1' };
    const next = { ...first, runId: '01a23b59-6f02-7d33-8a91-0c5e7b2d4f90' };
    assert.notEqual(
      notificationKey(first, 'governor-escalation-1'),
      notificationKey(next, 'governor-escalation-1'),
    );
  });
});

const kinds: { name: string; open: (dir: string) => Promise<DeliveryLedger> }[] = [
  { name: 'folder ledger', open: (dir) => openFolderLedger(dir) },
  { name: 'memory ledger', open: () => Promise.resolve(memoryLedger()) },
];

for (const kind of kinds)
  describe(kind.name, () => {
    it('sends once: a retry finds the delivery recorded and sends nothing', async () => {
      const ledger = await kind.open(freshDir());
      const { calls, send } = counter();
      assert.equal(await ledger.once('k1', send), 'sent');
      assert.equal(await ledger.once('k1', send), 'already_sent');
      assert.equal(calls.n, 1);
      assert.equal(await ledger.once('k2', send), 'sent', 'another key is another notification');
      assert.equal(calls.n, 2);
    });

    it('a send that may have reached the receiver (a timeout) makes the next one announce a possible repeat', async () => {
      const ledger = await kind.open(freshDir());
      let calls = 0;
      const send = async () => {
        calls += 1;
        if (calls === 1) throw markDeliveryUncertain(new Error('timed out after the request went out'));
      };
      await assert.rejects(ledger.once('k', send), /timed out/);
      assert.equal(await ledger.once('k', send), 'resent');
      assert.equal(await ledger.once('k', send), 'already_sent');
    });

    it('a send that failed is sent again by the retry, as a first delivery', async () => {
      const ledger = await kind.open(freshDir());
      const { calls, send } = counter(1);
      await assert.rejects(ledger.once('k', send), /503/);
      assert.equal(await ledger.once('k', send), 'sent');
      assert.equal(await ledger.once('k', send), 'already_sent');
      assert.equal(calls.n, 2);
    });
  });

describe('folder ledger across processes', () => {
  it('a restarted worker does not send what a killed one delivered', async () => {
    const dir = freshDir();
    const { calls, send } = counter();
    assert.equal(await (await openFolderLedger(dir)).once('k', send), 'sent');
    // A new ledger on the same folder: what the next worker process opens.
    assert.equal(await (await openFolderLedger(dir)).once('k', send), 'already_sent');
    assert.equal(calls.n, 1);
  });

  it('a worker killed mid-send: the next one sends again, and says it may be a repeat', async () => {
    const dir = freshDir();
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, '..', 'helpers', 'ledger-crash-child.ts'), dir, 'k'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(child.signal, 'SIGKILL', `the child died by its own SIGKILL: ${child.stderr}`);
    const { calls, send } = counter(1);
    // A failed attempt after the crash does not clear the doubt: the one that delivers still says so.
    await assert.rejects((await openFolderLedger(dir)).once('k', send), /503/);
    assert.equal(await (await openFolderLedger(dir)).once('k', send), 'resent');
    assert.equal(await (await openFolderLedger(dir)).once('k', send), 'already_sent');
    assert.equal(calls.n, 2);
  });

  it('two attempts at once (a timed-out one still running): the second says it may be a repeat', async () => {
    const dir = freshDir();
    const [a, b] = [await openFolderLedger(dir), await openFolderLedger(dir)];
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const first = a.once('k', () => slow);
    // Let the first attempt claim the entry before the second looks.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await b.once('k', counter().send);
    release();
    assert.deepEqual([await first, second], ['sent', 'resent']);
  });

  it('an unreadable entry counts as an attempt that may have sent', async () => {
    const dir = freshDir();
    const ledger = await openFolderLedger(dir);
    await ledger.once('k', counter().send);
    const [file] = readdirSync(dir);
    writeFileSync(path.join(dir, file!), '{"state": "sen');
    assert.equal(await ledger.once('k', counter().send), 'resent');
  });

  it('entries older than the keeping time are pruned when a ledger opens', async () => {
    const dir = freshDir();
    await (await openFolderLedger(dir)).once('old', counter().send);
    await (await openFolderLedger(dir)).once('new', counter().send);
    const files = readdirSync(dir);
    assert.equal(files.length, 2);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000);
    // Only the first entry is aged; which file it is does not matter to the count.
    utimesSync(path.join(dir, files[0]!), twoDaysAgo, twoDaysAgo);
    await openFolderLedger(dir);
    assert.equal(readdirSync(dir).length, 1);
  });

  it('leaves no temporary files behind', async () => {
    const dir = freshDir();
    const ledger = await openFolderLedger(dir);
    for (let i = 0; i < 5; i += 1) await ledger.once(`k${i}`, counter().send);
    assert.deepEqual(
      readdirSync(dir).filter((f) => !/^[0-9a-f]{64}\.json$/.test(f)),
      [],
    );
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { EvidenceStore } from '../../activities/evidence/evidence-store';
import { folderStore } from '../../activities/evidence/folder-store';
import { createSealActivities } from '../../activities/evidence/seal-activities';
import { verifyStoredLedger } from '../../activities/evidence/verify-evidence';
import { exampleRecommendation } from '../../src/examples';
import { bundleKeyOf, ledgerPrefix, sealKeyOf } from '../../src/evidence/layout';
import type { LedgerEntry, LedgerHead } from '../../src/evidence/ledger';
import { parseLedgerEntry } from '../../src/evidence/ledger';
import type { LedgerStatus, SealRequest } from '../../src/evidence/ledger-protocol';
import { evidenceTaskQueueOf, ledgerWorkflowIdOf } from '../../src/evidence/ledger-protocol';
import type { GeneratedKey } from '../../workers/evidence-key';
import { generateEvidenceKey } from '../../workers/evidence-key';
import { createEvidenceWorker } from '../../workers/evidence-worker';
import type { evidenceLedgerWorkflow } from '../../workflows/evidence-ledger-workflow';
import { ledgerStatusQuery, sealSignal } from '../../workflows/messages';
import type { Harness } from '../helpers/env';
import { openHarness, quietLogger, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone } from '../helpers/zones';

const fast = { approvalExpirySeconds: 60, coolingOffSeconds: 2 };

/** Thrown by the crashing store: the exporter died after a write reached the store, before its answer. */
class ExporterKilled extends Error {
  constructor(readonly key: string) {
    super(`exporter killed after writing ${key}, before it answered`);
    this.name = 'ExporterKilled';
  }
}

/** A store that "kills the exporter" once, right after the first write whose key matches `when`. */
function crashingStore(inner: EvidenceStore, when: (key: string) => boolean) {
  let armed = true;
  const writes: string[] = [];
  const store: EvidenceStore = {
    description: inner.description,
    get: (key) => inner.get(key),
    list: (prefix) => inner.list(prefix),
    async putOnce(key, bytes) {
      const outcome = await inner.putOnce(key, bytes);
      writes.push(`${key}:${outcome}`);
      if (armed && when(key)) {
        armed = false;
        throw new ExporterKilled(key);
      }
      return outcome;
    },
  };
  return { store, writes };
}

async function ledgerOf(store: EvidenceStore): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for (const key of await store.list(ledgerPrefix)) {
    const entry = parseLedgerEntry((await store.get(key)) ?? new Uint8Array());
    if (typeof entry === 'string') assert.fail(`${key}: ${entry}`);
    entries.push(entry);
  }
  return entries;
}

/**
 * The exporter can die between a write reaching the store and its answer reaching Temporal (a
 * crash, a lost connection, a deploy). The retry must then find its own bytes and finish the same
 * seal: never a second ledger entry for one change, never a bundle that differs from the first.
 * The ledger workflow must also survive duplicate and hostile seal requests.
 */
describe('evidence exporter killed between a write and its answer (real Temporal)', () => {
  let h: Harness;
  let dir: string;
  let signer: GeneratedKey;
  /** Three changes that ran to completion on a worker without an exporter: not sealed. */
  const changes: SealRequest[] = [];
  let stores = 0;
  const freshStore = () => {
    stores += 1;
    return folderStore(path.join(dir, `store-${stores}`));
  };

  before(async () => {
    h = await openHarness();
    dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-exporter-crash-'));
    signer = generateEvidenceKey(path.join(dir, 'keys'));
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sealActivities = (store: EvidenceStore) =>
    createSealActivities({ client: h.client, store, key: signer.key, logger: quietLogger });
  const seal = (store: EvidenceStore, request: SealRequest, head: LedgerHead | null): Promise<LedgerHead> => {
    const activities = sealActivities(store);
    return new MockActivityEnvironment({ namespace: 'default' }).run<
      [],
      LedgerHead,
      () => Promise<LedgerHead>
    >(() => activities.sealChange(request, head));
  };

  it('(a) a change run without an exporter closes unsealed: no ledger is started for it', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    await withWorker(h, id, { timings: fast }, async () => {
      for (const name of ['www', 'api', 'mail']) {
        const { handle } = await cs.submit(
          exampleRecommendation({
            id: `${id}-${name}`,
            zone,
            environment: 'staging',
            change: {
              kind: 'dns.upsert_rrset',
              name: `${name}.${zone}`,
              type: 'A',
              ttl: 300,
              records: ['192.0.2.5'],
            },
          }),
        );
        assert.equal((await handle.result()).view.state, 'executed');
        const { runId } = await handle.describe();
        changes.push({ workflowId: handle.workflowId, runId });
      }
    });
    // evidenceLedger: false on this worker, so requestSeal answered 'disabled' and started nothing.
    await assert.rejects(
      h.client.workflow.getHandle(ledgerWorkflowIdOf(id)).describe(),
      WorkflowNotFoundError,
    );
  });

  const change = (i: number): SealRequest => {
    const found = changes[i];
    assert.ok(found !== undefined, 'test (a) runs the changes');
    return found;
  };

  /** Crashes once after the ledger entry's write, retries with the same head: one entry, same bytes. */
  async function crashAfterLedgerWrite(store: EvidenceStore, request: SealRequest, head: LedgerHead | null) {
    const crashing = crashingStore(store, (key) => key.startsWith(ledgerPrefix));
    const before = (await ledgerOf(store)).length;
    await assert.rejects(seal(crashing.store, request, head), ExporterKilled);
    // The bundle and the ledger entry reached the store; the mark saying "sealed" did not.
    const firstBytes = await store.get(bundleKeyOf(request));
    assert.ok(firstBytes !== undefined);
    assert.equal(await store.get(sealKeyOf(request)), undefined);
    assert.equal((await ledgerOf(store)).length, before + 1);

    // Temporal retries the activity with the same arguments.
    const sealedHead = await seal(crashing.store, request, head);
    const entries = await ledgerOf(store);
    const forChange = entries.filter(
      (e) => e.change.workflowId === request.workflowId && e.change.runId === request.runId,
    );
    assert.equal(
      forChange.length,
      1,
      `ledger entries for one change: ${forChange.map((e) => e.index).join(', ')}`,
    );
    assert.equal(entries.length, before + 1);
    assert.deepEqual(sealedHead, { index: forChange[0]?.index, hash: forChange[0]?.hash });
    assert.deepEqual(await store.get(bundleKeyOf(request)), firstBytes);
    assert.ok((await store.get(sealKeyOf(request))) !== undefined);
    const verdict = await verifyStoredLedger(store, signer.keyring.keys);
    assert.equal(verdict.ok, true, verdict.problems.join('; '));
    assert.deepEqual(verdict.head, sealedHead);
    return { head: sealedHead, writes: crashing.writes };
  }

  it('(b) a retry after a crash behind the ledger write, with earlier entries, finishes the same seal', async () => {
    const store = freshStore();
    const first = await seal(store, change(0), null);
    assert.deepEqual(first.index, 0);
    const { head, writes } = await crashAfterLedgerWrite(store, change(1), first);
    assert.equal(head.index, 1);
    assert.deepEqual(writes, [
      `${bundleKeyOf(change(1))}:created`,
      'ledger/000000000001.json:created',
      `${bundleKeyOf(change(1))}:identical`,
      'ledger/000000000001.json:identical',
      `${sealKeyOf(change(1))}:created`,
    ]);
  });

  it('(b) a retry after a crash behind the ledger write, as the first seal of a ledger (no head yet), finishes the same seal', async () => {
    const store = freshStore();
    const { head } = await crashAfterLedgerWrite(store, change(0), null);
    assert.equal(head.index, 0);
  });

  it('(b) a retry after a crash behind the bundle write, or behind the seal mark, is harmless too', async () => {
    const store = freshStore();
    const afterBundle = crashingStore(store, (key) => key.startsWith('bundles/'));
    await assert.rejects(seal(afterBundle.store, change(0), null), ExporterKilled);
    assert.deepEqual(await store.list(ledgerPrefix), []);
    const head0 = await seal(afterBundle.store, change(0), null);
    const afterMark = crashingStore(store, (key) => key.startsWith('sealed/'));
    await assert.rejects(seal(afterMark.store, change(1), head0), ExporterKilled);
    const head1 = await seal(afterMark.store, change(1), head0);
    assert.deepEqual([head0.index, head1.index], [0, 1]);
    const verdict = await verifyStoredLedger(store, signer.keyring.keys);
    assert.equal(verdict.ok, true, verdict.problems.join('; '));
    assert.equal(verdict.entries, 2);
  });

  it('(c) sealing again after success answers "already sealed": the head unchanged, no new entry', async () => {
    const store = freshStore();
    const head0 = await seal(store, change(0), null);
    const head1 = await seal(store, change(1), head0);
    assert.equal(head1.index, 1);
    const listed = await store.list('');
    // The same change again with the head the ledger now knows: already sealed, the head stays.
    assert.deepEqual(await seal(store, change(1), head1), head1);
    assert.deepEqual(await seal(store, change(0), head1), head1);
    // With no head (a ledger workflow started over), the store's newest entry is the head.
    assert.deepEqual(await seal(store, change(1), null), head1);
    assert.deepEqual(await seal(store, change(0), null), head1);
    // With the head it was first given (a retry whose first answer was lost): the head after it.
    assert.deepEqual(await seal(store, change(1), head0), head1);
    assert.deepEqual(await store.list(''), listed);
    assert.equal((await ledgerOf(store)).length, 2);
  });

  /** Runs an exporter for `taskQueue` sealing into `store` while `fn` runs. */
  const withExporter = async <T>(taskQueue: string, store: EvidenceStore, fn: () => Promise<T>) => {
    const worker = await createEvidenceWorker({
      connection: h.workerConnection,
      taskQueue,
      workflowBundlePath: h.env.workflowBundle,
      key: signer.key,
      store,
      logger: quietLogger,
    });
    return worker.runUntil(fn());
  };
  const signalLedger = (taskQueue: string, payload: unknown) =>
    h.client.workflow.signalWithStart<typeof evidenceLedgerWorkflow, [unknown]>('evidenceLedgerWorkflow', {
      workflowId: ledgerWorkflowIdOf(taskQueue),
      taskQueue: evidenceTaskQueueOf(taskQueue),
      args: [{ head: null, pending: [] }],
      signal: sealSignal,
      signalArgs: [payload],
    });
  const statusOf = (taskQueue: string): Promise<LedgerStatus> =>
    h.client.workflow.getHandle(ledgerWorkflowIdOf(taskQueue)).query(ledgerStatusQuery);
  const settled = (taskQueue: string, index: number) =>
    eventually(async () => {
      const status = await statusOf(taskQueue);
      assert.equal(status.pending, 0);
      assert.equal(status.head?.index, index);
      return status;
    }, 60_000);
  /** Runs `fn`, then ends the ledger workflow it started (it never ends by itself). */
  const withLedger = async (taskQueue: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } finally {
      await h.client.workflow
        .getHandle(ledgerWorkflowIdOf(taskQueue))
        .terminate('test done')
        .catch(() => undefined);
    }
  };

  it('(d) duplicate seal signals for one change give one ledger entry', async (t) => {
    const id = slug(t);
    const store = freshStore();
    await withLedger(id, async () => {
      await withExporter(id, store, async () => {
        // Back to back: the second finds the first still pending.
        await signalLedger(id, change(0));
        await signalLedger(id, change(0));
        await signalLedger(id, { ...change(0) });
        await settled(id, 0);
        // After it is sealed: the exporter finds the seal mark and the head stays.
        await signalLedger(id, change(0));
        await signalLedger(id, change(1));
        await signalLedger(id, change(0));
        const status = await settled(id, 1);
        assert.deepEqual(status.unsealed, []);
      });
      const entries = await ledgerOf(store);
      assert.deepEqual(
        entries.map((e) => e.change.workflowId),
        [change(0).workflowId, change(1).workflowId],
      );
      const verdict = await verifyStoredLedger(store, signer.keyring.keys);
      assert.equal(verdict.ok, true, verdict.problems.join('; '));
    });
  });

  it('(e) hostile seal payloads are refused and the ledger goes on sealing the next real request', async (t) => {
    const id = slug(t);
    const store = freshStore();
    const hostile: unknown[] = [
      'seal everything',
      42,
      null,
      [change(0)],
      {},
      { workflowId: change(0).workflowId },
      { workflowId: 5, runId: change(0).runId },
      { ...change(0), extra: 'field' },
      { workflowId: 'x'.repeat(600_000), runId: change(0).runId },
      { workflowId: change(0).workflowId, runId: 'r'.repeat(129) },
      { workflowId: '', runId: '' },
      JSON.parse('{"__proto__":{"polluted":true},"workflowId":"a","runId":"b"}'),
    ];
    await withLedger(id, async () => {
      await withExporter(id, store, async () => {
        for (const payload of hostile) await signalLedger(id, payload);
        await signalLedger(id, change(2));
        const status = await settled(id, 0);
        assert.deepEqual(status.unsealed, []);
        // Nothing hostile ever failed a workflow task: each was refused inside the signal handler.
        const history = await h.client.workflow.getHandle(ledgerWorkflowIdOf(id)).fetchHistory();
        const events = history.events ?? [];
        assert.equal(
          events.filter((e) => e.workflowExecutionSignaledEventAttributes != null).length,
          hostile.length + 1,
        );
        assert.deepEqual(
          events
            .filter((e) => e.workflowTaskFailedEventAttributes != null)
            .map((e) => e.workflowTaskFailedEventAttributes),
          [],
        );
      });
      const entries = await ledgerOf(store);
      assert.deepEqual(
        entries.map((e) => [e.index, e.change.workflowId, e.change.runId]),
        [[0, change(2).workflowId, change(2).runId]],
      );
      assert.deepEqual(await store.list('sealed/'), [sealKeyOf(change(2))]);
    });
  });

  it('(e) a well-formed request naming no change does not block the ledger: it is listed unsealed', async (t) => {
    const id = slug(t);
    const store = freshStore();
    const ghost = { workflowId: `${id}-no-such-change`, runId: '6f1b1f55-6a5c-4a8e-9a57-2b0c9c8d1e00' };
    await withLedger(id, async () => {
      await withExporter(id, store, async () => {
        await signalLedger(id, ghost);
        await signalLedger(id, change(1));
        const status = await settled(id, 0);
        assert.deepEqual(
          status.unsealed.map((u) => u.request),
          [ghost],
        );
      });
      assert.deepEqual(
        (await ledgerOf(store)).map((e) => e.change.workflowId),
        [change(1).workflowId],
      );
    });
  });

  it('(e) a request naming a workflow that is not a change (the ledger itself) does not block the ledger', async (t) => {
    const id = slug(t);
    const store = freshStore();
    await withLedger(id, async () => {
      await withExporter(id, store, async () => {
        const ledger = await signalLedger(id, change(0));
        await settled(id, 0);
        const itself = { workflowId: ledger.workflowId, runId: ledger.signaledRunId };
        await signalLedger(id, itself);
        await signalLedger(id, change(1));
        const status = await settled(id, 1);
        assert.deepEqual(
          status.unsealed.map((u) => u.request),
          [itself],
        );
      });
    });
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { EvidenceStore } from '../../activities/evidence/evidence-store';
import type { RegistryConnection } from '../../activities/epp/registry-connection';
import { folderStore } from '../../activities/evidence/folder-store';
import { verifyEvidence } from '../../activities/evidence/verify-evidence';
import type { ChangeView } from '../../src/change/view';
import { exampleRecommendation } from '../../src/examples';
import type { SealedBundle } from '../../src/evidence/bundle';
import { bundleKeyOf } from '../../src/evidence/layout';
import type { GeneratedKey } from '../../workers/evidence-key';
import { generateEvidenceKey } from '../../workers/evidence-key';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import type { RegistryUnderTest } from '../helpers/epp-registry';
import { domainTransferFrame, openSession, registryUnderTest } from '../helpers/epp-registry';
import { eventually } from '../helpers/eventually';
import { historyText } from '../helpers/history-text';
import { drainPoll, registryAdapter, secretsWith, seedDomain, them, us } from '../helpers/registry-fixtures';

/** One sample person per role, so every seat a registrar decision asks for can be filled. */
const byRole: Record<string, string> = {
  sre: 'alice@example.com',
  'service-owner': 'dave@example.com',
  'dns-admin': 'frank@example.com',
  security: 'erin@example.com',
};

/**
 * A registrar transfer carries an auth code fetched from the secret store by reference: the sealed
 * bundle (its entries, its recommendation and the embedded history, payloads decoded) must hold
 * the reference only, never the code.
 */
describe('sealed evidence keeps secrets out (real Temporal, the registry test double)', () => {
  let h: Harness;
  let registry: RegistryUnderTest;
  let dir: string;
  let signer: GeneratedKey;
  let store: EvidenceStore;
  before(async () => {
    h = await openHarness();
    registry = registryUnderTest();
    dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-sealed-secrets-'));
    signer = generateEvidenceKey(path.join(dir, 'keys'));
    store = folderStore(path.join(dir, 'store'));
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a transfer's auth code is nowhere in its sealed bundle; its secret reference is", async (t) => {
    const id = slug(t);
    const domain = `${id}.test`;
    const seeded = await seedDomain(registry, {
      name: domain,
      ns: ['ns1.dns-host.net', 'ns2.dns-host.net'],
      sponsor: them,
    });
    const secretRef = `transfer/${domain}`;
    const own: RegistryConnection = registryAdapter(registry, secretsWith(id, secretRef, seeded.authInfo));
    const cs = h.countersign(id);
    try {
      const bytes = await withWorker(
        h,
        id,
        {
          registry: own.port,
          timings: { approvalExpirySeconds: 60, coolingOffSeconds: 1, verificationPatienceSeconds: 60 },
          evidence: { key: signer.key, store },
        },
        async () => {
          const submitted = await cs.submit(
            exampleRecommendation({
              id,
              zone: `${domain}.`,
              environment: 'production',
              change: { kind: 'registrar.transfer', action: 'request', authCode: { secretRef } },
            }),
          );
          const waiting: ChangeView = await cs.waitForState(id, ['awaiting_approval']);
          await drainPoll(registry, us);
          for (const role of waiting.decision?.approvals.roles ?? []) {
            const person = byRole[role.role] ?? role.role;
            const verdict = await cs.decide(id, {
              key: h.key(person),
              decision: 'approve',
              reason: 'checked with the domain owner',
              planHash: waiting.approval?.planHash ?? '',
            });
            assert.equal(verdict.verdict.counted, true, `${person}: ${verdict.verdict.message}`);
          }
          await cs.waitForState(id, ['verifying']);
          const losing = await openSession(registry, them);
          try {
            assert.equal((await losing.command(domainTransferFrame('approve', domain))).code, 1000);
          } finally {
            await losing.close();
          }
          const done = await submitted.handle.result();
          assert.equal(done.view.state, 'executed', done.view.outcome?.message);
          const { runId } = await submitted.handle.describe();
          // The exporter runs only as long as this worker does: wait here for the seal.
          return eventually(async () => {
            const found = await store.get(bundleKeyOf({ workflowId: submitted.handle.workflowId, runId }));
            assert.ok(found !== undefined, 'not sealed yet');
            return found;
          }, 60_000);
        },
      );
      const bundle = JSON.parse(Buffer.from(bytes).toString('utf8')) as SealedBundle;
      const text = `${Buffer.from(bytes).toString('utf8')}\n${historyText(historyFromJSON(bundle.content.history))}`;
      assert.ok(text.includes(secretRef), 'the secret reference is in the bundle');
      assert.equal(text.includes(seeded.authInfo), false, 'the auth code is in the sealed bundle');
      assert.equal(
        text.includes(Buffer.from(seeded.authInfo).toString('base64')),
        false,
        'the auth code is in the sealed bundle, base64-encoded',
      );
      const verdict = await verifyEvidence(bytes, { trusted: signer.keyring.keys, store, replay: false });
      assert.equal(verdict.ok, true, JSON.stringify(verdict.lines));
    } finally {
      await own.close();
    }
  });
});

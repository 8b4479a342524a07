import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { after, before, describe, it } from 'node:test';
import { dsFor } from '../../activities/dns/ds-check';
import { queryRrset } from '../../activities/dns/query';
import type { RegistryConnection } from '../../activities/epp/registry-connection';
import { exampleRecommendation } from '../../src/examples';
import type { ChangeView } from '../../src/change/view';
import type { Change, Environment } from '../../src/schema/recommendation';
import type { CountersignClient } from '../../src/client/countersign-client';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import type { RegistryUnderTest, TransactionEntry } from '../helpers/epp-registry';
import {
  admin,
  contactCreateFrame,
  domainTransferFrame,
  openSession,
  registryUnderTest,
} from '../helpers/epp-registry';
import { eventually } from '../helpers/eventually';
import { validateEppFrameDir } from '../helpers/epp-xsd';
import { historyText } from '../helpers/history-text';
import { drainPoll, registryAdapter, secretsWith, seedDomain, them, us } from '../helpers/registry-fixtures';
import { createTestZone } from '../helpers/zones';

const lockAll = ['clientDeleteProhibited', 'clientTransferProhibited', 'clientUpdateProhibited'];
const childKey =
  '257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==';

interface StoredDomain {
  readonly status: string[];
  readonly ns: string[];
  readonly sponsor: string;
  readonly transfer?: { trStatus: string };
}

async function stored(registry: RegistryUnderTest, name: string): Promise<StoredDomain> {
  return admin<StoredDomain>(registry, 'GET', `/domains/${name}`);
}

async function transactions(registry: RegistryUnderTest, name: string): Promise<TransactionEntry[]> {
  const all = await admin<TransactionEntry[]>(registry, 'GET', '/transactions');
  return all.filter((t) => t.object === name);
}

function proposal(id: string, domain: string, change: unknown, environment: Environment = 'production') {
  return exampleRecommendation({ id, zone: `${domain}.`, environment, change: change as Change });
}

/** One sample person per role, so every seat a decision asks for can be filled. */
const byRole: Record<string, string> = {
  sre: 'alice@example.com',
  'service-owner': 'dave@example.com',
  'dns-admin': 'frank@example.com',
  security: 'erin@example.com',
};

/** Approves with a person for every role the decision asks for (production registrar changes: three or four). */
async function approveAll(h: Harness, cs: CountersignClient, id: string, view: ChangeView): Promise<void> {
  const people = (view.decision?.approvals.roles ?? []).map((r) => byRole[r.role] ?? r.role);
  assert.ok(people.length >= 2, 'registrar changes are dual control');
  for (const person of people) {
    const verdict = await cs.decide(id, {
      key: h.key(person),
      decision: 'approve',
      reason: 'checked with the domain owner',
      planHash: view.approval?.planHash ?? '',
    });
    assert.equal(verdict.verdict.counted, true, `${person}: ${verdict.verdict.message}`);
  }
}

describe('registrar changes over EPP (real Temporal, the registry test double, real PowerDNS as parent zone)', () => {
  let h: Harness;
  let registry: RegistryUnderTest;
  let adapter: RegistryConnection;
  before(async () => {
    h = await openHarness();
    registry = registryUnderTest();
    adapter = registryAdapter(registry);
  });
  after(async () => {
    await adapter.close();
    await h.close();
  });

  it('a locked production domain gets new nameservers under dual control: unlock, change, parent-zone check, relock', async (t) => {
    const id = slug(t);
    const domain = `${id}.test`;
    await seedDomain(registry, {
      name: domain,
      ns: ['ns1.old-host.net', 'ns2.old-host.net'],
      locks: lockAll,
    });
    const cs = h.countersign(id);
    await withWorker(h, id, { registry: adapter.port }, async () => {
      const submitted = await cs.submit(
        proposal(id, domain, {
          kind: 'registrar.set_nameservers',
          nameservers: ['ns1.new-host.net', 'ns2.new-host.net'],
        }),
      );
      const waiting = await cs.waitForState(id, ['awaiting_approval']);
      assert.equal(waiting.decision?.tier, 3);
      assert.ok(waiting.decision?.reasons.some((r) => r.rule === 'registrar.any'));
      assert.deepEqual(waiting.plan?.guard?.lift, ['clientUpdateProhibited']);
      await approveAll(h, cs, id, waiting);
      const done = await submitted.handle.result();
      assert.equal(done.view.state, 'executed', done.view.outcome?.message);

      // The registry and the parent zone both show the new delegation; the lock is back.
      const now = await stored(registry, domain);
      assert.deepEqual([...now.ns].sort(), ['ns1.new-host.net', 'ns2.new-host.net']);
      for (const status of lockAll) assert.ok(now.status.includes(status), `${status} is back`);
      const served = await queryRrset(h.env.dns, `${domain}.`, 'NS');
      assert.equal(served.referral, true);
      assert.deepEqual(served.rrset?.records, ['ns1.new-host.net.', 'ns2.new-host.net.']);

      // Evidence: unlock, change, verification (registry + parent), relock, each with the registry's own ids.
      const steps = done.evidence.map((e) => e.step);
      const order = ['unlock_applied', 'execute_applied', 'verified', 'relock_applied', 'relock_verified'];
      assert.deepEqual(
        steps.filter((s) => order.includes(s)),
        order,
      );
      const executed = done.evidence.find((e) => e.step === 'execute_applied');
      const receipts = (executed?.data as { receipts?: { svTRID: string; clTRID: string }[] }).receipts ?? [];
      assert.ok(receipts.length > 0 && receipts.every((r) => r.svTRID !== '' && r.clTRID.startsWith('CS-')));
      const log = await transactions(registry, domain);
      const updates = log.filter((e) => e.command === 'domain:update' && (e.clTRID ?? '').startsWith('CS-'));
      assert.equal(updates.filter((e) => e.changed).length, 3, 'unlock, nameservers, relock');
      assert.ok(receipts.some((r) => updates.some((u) => u.svTRID === r.svTRID)));
      assert.equal(done.view.recommendation.change.kind, 'registrar.set_nameservers');
    });
  });

  it('an unlock followed by a failed change still relocks, and the change fails with the registry reason', async (t) => {
    const id = slug(t);
    const domain = `${id}.test`;
    await seedDomain(registry, {
      name: domain,
      ns: ['ns1.old-host.net', 'ns2.old-host.net'],
      locks: lockAll,
    });
    const cs = h.countersign(id);
    const newHost = `ns1.refused-${id}.net`;
    await withWorker(h, id, { registry: adapter.port }, async () => {
      const submitted = await cs.submit(
        proposal(id, domain, {
          kind: 'registrar.set_nameservers',
          nameservers: [newHost, `ns2.refused-${id}.net`],
        }),
      );
      const waiting = await cs.waitForState(id, ['awaiting_approval']);
      // The registry refuses to create the new host (2306), after the unlock went through.
      await admin(registry, 'POST', '/faults', {
        command: 'host:create',
        object: newHost,
        mode: 'fail',
        code: 2306,
        times: 1,
      });
      await approveAll(h, cs, id, waiting);
      const done = await submitted.handle.result();
      assert.equal(done.view.state, 'failed');
      assert.equal(done.view.outcome?.code, 'RegistrarPolicy', done.view.outcome?.message);
      const now = await stored(registry, domain);
      assert.deepEqual([...now.ns].sort(), ['ns1.old-host.net', 'ns2.old-host.net'], 'nameservers unchanged');
      for (const status of lockAll) assert.ok(now.status.includes(status), `${status} is back`);
      const steps = done.evidence.map((e) => e.step);
      assert.ok(steps.includes('unlock_applied') && steps.includes('relock_verified'), steps.join(', '));
    });
  });

  it('nameservers inside the domain go with their glue: the registry creates the hosts with their addresses', async (t) => {
    const id = slug(t);
    const domain = `${id}.test`;
    await seedDomain(registry, { name: domain, ns: ['ns1.old-host.net', 'ns2.old-host.net'] });
    const cs = h.countersign(id);
    await withWorker(h, id, { registry: adapter.port }, async () => {
      const submitted = await cs.submit(
        proposal(id, domain, {
          kind: 'registrar.set_nameservers',
          nameservers: [`ns1.${domain}`, 'ns2.old-host.net'],
          glue: { [`ns1.${domain}`]: ['192.0.2.53', '2001:db8::53'] },
        }),
      );
      const waiting = await cs.waitForState(id, ['awaiting_approval']);
      assert.match(waiting.plan?.params?.[`glue:ns1.${domain}.`] ?? '', /192\.0\.2\.53/);
      await approveAll(h, cs, id, waiting);
      const done = await submitted.handle.result();
      assert.equal(done.view.state, 'executed', done.view.outcome?.message);
      const host = await admin<{ addrs?: unknown; addresses?: unknown }>(
        registry,
        'GET',
        `/hosts/ns1.${domain}`,
      );
      assert.match(JSON.stringify(host), /192\.0\.2\.53/);
      assert.match(JSON.stringify(host), /2001:db8::53/);
      const served = await queryRrset(h.env.dns, `${domain}.`, 'NS');
      assert.deepEqual(served.rrset?.records, [`ns1.${domain}.`, 'ns2.old-host.net.']);
    });
  });

  it('a DS that matches no key the domain publishes is refused; a matching one is added and served by the parent', async (t) => {
    const id = slug(t);
    const domain = `${id}.test`;
    // The child zone on PowerDNS publishes the key; the registry publishes the parent's DS.
    await createTestZone(h.pdns, id, [
      { name: `${domain}.`, type: 'DNSKEY', ttl: 3600, records: [childKey] },
    ]);
    await seedDomain(registry, { name: domain, ns: ['ns1.dns-host.net', 'ns2.dns-host.net'] });
    const good = dsFor(`${domain}.`, childKey, 2) as string;
    const wrong = good.replace(/ ([0-9a-f]{4})/, (_m, hex: string) => ` ${hex === 'ffff' ? '0000' : 'ffff'}`);
    const cs = h.countersign(id);
    await withWorker(h, id, { registry: adapter.port }, async () => {
      const refused = await (
        await cs.submit(proposal(`${id}-wrong`, domain, { kind: 'registrar.add_ds', ds: [wrong] }))
      ).handle.result();
      assert.equal(refused.view.state, 'refused');
      assert.equal(refused.view.outcome?.code, 'ds_mismatch');

      const submitted = await cs.submit(proposal(id, domain, { kind: 'registrar.add_ds', ds: [good] }));
      const waiting = await cs.waitForState(id, ['awaiting_approval']);
      await approveAll(h, cs, id, waiting);
      const done = await submitted.handle.result();
      assert.equal(done.view.state, 'executed', done.view.outcome?.message);
      const served = await queryRrset(h.env.dns, `${domain}.`, 'DS');
      assert.deepEqual(served.rrset?.records, [good]);
    });
    const log = await transactions(registry, domain);
    assert.equal(
      log.filter((e) => e.command === 'domain:update' && e.changed).length,
      1,
      'the mismatched DS never reached the registry',
    );
  });

  it('a transfer in: requested with an auth code from the secret store, completed when the losing registrar approves; the code is nowhere in history, logs or evidence', async (t) => {
    const id = slug(t);
    const domain = `${id}.test`;
    const seeded = await seedDomain(registry, {
      name: domain,
      ns: ['ns1.dns-host.net', 'ns2.dns-host.net'],
      sponsor: them,
    });
    const secrets = secretsWith(id, `transfer/${domain}`, seeded.authInfo);
    const own = registryAdapter(registry, secrets);
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const evidenceDir = path.join(h.env.dataDir, `evidence-${id}`);
    const cs = h.countersign(id);
    try {
      await withWorker(
        h,
        id,
        {
          registry: own.port,
          logger,
          evidenceDir,
          timings: { approvalExpirySeconds: 60, coolingOffSeconds: 1, verificationPatienceSeconds: 60 },
        },
        async () => {
          const submitted = await cs.submit(
            proposal(id, domain, {
              kind: 'registrar.transfer',
              action: 'request',
              authCode: { secretRef: `transfer/${domain}` },
            }),
          );
          const waiting = await cs.waitForState(id, ['awaiting_approval']);
          assert.ok(waiting.decision?.reasons.some((r) => r.rule === 'registrar.transfer'));
          // Messages other tests left for countersign are handled elsewhere: this transfer's come first.
          await drainPoll(registry, us);
          await approveAll(h, cs, id, waiting);
          // Requested: the registry holds it pending (1001) until the losing registrar answers.
          await cs.waitForState(id, ['verifying']);
          await eventually(async () =>
            assert.equal((await stored(registry, domain)).transfer?.trStatus, 'pending'),
          );
          const losing = await openSession(registry, them);
          try {
            const approved = await losing.command(domainTransferFrame('approve', domain));
            assert.equal(approved.code, 1000);
          } finally {
            await losing.close();
          }
          const done = await submitted.handle.result();
          assert.equal(done.view.state, 'executed', done.view.outcome?.message);
          assert.equal((await stored(registry, domain)).sponsor, us);
          const executed = done.evidence.find((e) => e.step === 'execute_applied');
          const receipts = (executed?.data as { receipts?: { command: string; code: number }[] }).receipts;
          assert.deepEqual(
            receipts?.map((r) => [r.command, r.code]),
            [['domain:transfer request', 1001]],
          );
          // Completion is read from the registry's poll message too, and acknowledged.
          const verified = done.evidence.find((e) => e.step === 'verified')?.data as {
            answers: { server: string }[];
          };
          assert.ok(
            verified.answers.some((a) => /poll message .*\(clientApproved\)/.test(a.server)),
            JSON.stringify(verified.answers),
          );

          const history = historyText(await submitted.handle.fetchHistory());
          assert.ok(history.includes(`transfer/${domain}`), 'the reference is in history');
          assert.equal(history.includes(seeded.authInfo), false, 'the auth code is not in history');
          assert.equal(JSON.stringify(done).includes(seeded.authInfo), false, 'nor in the evidence');
        },
      );
      assert.ok(lines.length > 0);
      assert.equal(lines.join('\n').includes(seeded.authInfo), false, 'nor in the worker log');
      const exported = readdirSync(evidenceDir).map((f) => readFileSync(path.join(evidenceDir, f), 'utf8'));
      assert.equal(exported.length, 1);
      assert.equal(exported.join('').includes(seeded.authInfo), false, 'nor in the exported bundle');
    } finally {
      await own.close();
    }
  });

  it('a transfer out: another registrar asks, the change approves it; lock removal alone waits the longest', async (t) => {
    const id = slug(t);
    const domain = `${id}.test`;
    const seeded = await seedDomain(registry, {
      name: domain,
      ns: ['ns1.dns-host.net', 'ns2.dns-host.net'],
      locks: ['clientTransferProhibited', 'clientUpdateProhibited'],
    });
    const cs = h.countersign(id);
    await withWorker(h, id, { registry: adapter.port }, async () => {
      // The transfer lock goes first: a change of its own, under the strictest rule.
      const unlock = await cs.submit(
        proposal(`${id}-unlock`, domain, {
          kind: 'registrar.set_lock',
          locked: false,
          statuses: ['clientTransferProhibited'],
        }),
      );
      const waitingUnlock = await cs.waitForState(`${id}-unlock`, ['awaiting_approval']);
      assert.ok(waitingUnlock.decision?.reasons.some((r) => r.rule === 'registrar.unlock_or_transfer'));
      await approveAll(h, cs, `${id}-unlock`, waitingUnlock);
      assert.equal((await unlock.handle.result()).view.state, 'executed');
      // Only the transfer lock went: the update lock was lifted for the write and put back with it.
      const unlocked = await stored(registry, domain);
      assert.equal(unlocked.status.includes('clientTransferProhibited'), false);
      assert.equal(unlocked.status.includes('clientUpdateProhibited'), true);

      const gaining = await openSession(registry, them);
      try {
        const requested = await gaining.command(domainTransferFrame('request', domain, seeded.authInfo));
        assert.equal(requested.code, 1001);
      } finally {
        await gaining.close();
      }
      const submitted = await cs.submit(
        proposal(id, domain, { kind: 'registrar.transfer', action: 'approve' }),
      );
      const waiting = await cs.waitForState(id, ['awaiting_approval']);
      assert.deepEqual(waiting.plan?.after?.records, [`sponsor:${them}`]);
      await approveAll(h, cs, id, waiting);
      const done = await submitted.handle.result();
      assert.equal(done.view.state, 'executed', done.view.outcome?.message);
      assert.equal((await stored(registry, domain)).sponsor, them);
    });
  });

  it('a transfer out can be rejected: the domain stays, and the other registrar hears so', async (t) => {
    const id = slug(t);
    const domain = `${id}.test`;
    const seeded = await seedDomain(registry, { name: domain, ns: ['ns1.dns-host.net', 'ns2.dns-host.net'] });
    const gaining = await openSession(registry, them);
    try {
      assert.equal(
        (await gaining.command(domainTransferFrame('request', domain, seeded.authInfo))).code,
        1001,
      );
    } finally {
      await gaining.close();
    }
    const cs = h.countersign(id);
    await withWorker(h, id, { registry: adapter.port }, async () => {
      const submitted = await cs.submit(
        proposal(id, domain, { kind: 'registrar.transfer', action: 'reject' }),
      );
      const waiting = await cs.waitForState(id, ['awaiting_approval']);
      assert.deepEqual(waiting.plan?.before?.records, [`pending:${them}`, 'sponsor:self']);
      assert.deepEqual(waiting.plan?.after?.records, ['sponsor:self']);
      await approveAll(h, cs, id, waiting);
      const done = await submitted.handle.result();
      assert.equal(done.view.state, 'executed', done.view.outcome?.message);
    });
    const now = await stored(registry, domain);
    assert.equal(now.sponsor, us);
    assert.equal(now.transfer?.trStatus, 'clientRejected');
  });

  it('contacts and DS removal execute end to end; a retry after a lost answer never sends a second changing update', async (t) => {
    const id = slug(t);
    const domain = `${id}.test`;
    await seedDomain(registry, {
      name: domain,
      ns: ['ns1.dns-host.net', 'ns2.dns-host.net'],
      ds: [{ keyTag: 12345, alg: 13, digestType: 2, digest: 'AB'.repeat(32) }],
    });
    const session = await openSession(registry, us);
    try {
      assert.equal(
        (await session.command(contactCreateFrame(`t${id.slice(-8)}`, 'contact-Pw-2'))).code,
        1000,
      );
    } finally {
      await session.close();
    }
    const cs = h.countersign(id);
    await withWorker(h, id, { registry: adapter.port }, async () => {
      const contacts = await cs.submit(
        proposal(`${id}-contacts`, domain, { kind: 'registrar.update_contacts', tech: [`t${id.slice(-8)}`] }),
      );
      const waitingContacts = await cs.waitForState(`${id}-contacts`, ['awaiting_approval']);
      assert.deepEqual(
        waitingContacts.plan?.after?.records.filter((r) => r.startsWith('tech:')),
        [`tech:t${id.slice(-8)}`],
      );
      await approveAll(h, cs, `${id}-contacts`, waitingContacts);
      assert.equal((await contacts.handle.result()).view.state, 'executed');

      // The registry applies the DS removal, then drops the connection before answering.
      await admin(registry, 'POST', '/faults', {
        command: 'domain:update',
        object: domain,
        mode: 'drop-after-apply',
        times: 1,
      });
      const unsign = await cs.submit(
        proposal(`${id}-unsign`, domain, { kind: 'registrar.remove_ds', ds: 'all' }),
      );
      const waitingUnsign = await cs.waitForState(`${id}-unsign`, ['awaiting_approval']);
      await approveAll(h, cs, `${id}-unsign`, waitingUnsign);
      const done = await unsign.handle.result();
      assert.equal(done.view.state, 'executed', done.view.outcome?.message);
      assert.equal((await queryRrset(h.env.dns, `${domain}.`, 'DS')).rrset, null, 'the parent serves no DS');
    });
    const dsUpdates = (await transactions(registry, domain)).filter(
      (e) => e.command === 'domain:update' && e.changed && (e.clTRID ?? '').startsWith('CS-'),
    );
    assert.equal(dsUpdates.length, 2, 'one contacts update, one DS update: the retry wrote nothing');
  });

  it('every frame countersign and the registry exchanged so far validates against the IANA schemas', async () => {
    const verdicts = await validateEppFrameDir(registry.frameLogDir);
    assert.ok(verdicts.length > 50, `${verdicts.length} frames`);
    assert.deepEqual(
      verdicts.filter((v) => !v.valid),
      [],
    );
  });
});

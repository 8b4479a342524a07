import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { ProviderPort } from '../../activities/ports/provider-port';
import { powerDnsZonePort } from '../../activities/powerdns/zone-port';
import type { RegistryConnection } from '../../activities/epp/registry-connection';
import type { Subject } from '../../src/kinds/change-kind';
import { FailureType } from '../../src/failures';
import type { RRset } from '../../src/plan/plan';
import { buildPlan } from '../../src/plan/plan';
import type { Harness } from '../helpers/env';
import { openHarness } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { registryUnderTest } from '../helpers/epp-registry';
import { registryAdapter, seedDomain } from '../helpers/registry-fixtures';
import { createTestZone } from '../helpers/zones';

/** One piece of provider state and two values for it: what is there, and what a change makes it. */
interface ContractCase {
  readonly name: string;
  readonly kind: string;
  port(): ProviderPort;
  /** Creates the zone or domain holding `before`; returns its zone. */
  seed(label: string): Promise<{ zone: string; subject: Subject; before: RRset | null; after: RRset | null }>;
  /** A zone or domain the provider does not have. */
  readonly missing: string;
  readonly missingType: FailureType;
}

const label = () => `ct-${Math.random().toString(36).slice(2, 10)}`;

/**
 * The provider port contract, run against every adapter: read what is there, write by
 * compare-and-set, verify from outside the provider (a wrong expectation fails typed), undo by the
 * inverse, and typed failures for what does not exist.
 */
function contract(c: ContractCase): void {
  describe(`provider port contract: ${c.name}`, () => {
    it('reads live state; verify refuses the target before the write, passes after it; the inverse restores', async () => {
      const { zone, subject, before: seeded, after: target } = await c.seed(label());
      const port = c.port();
      const read = await port.read(zone, subject);
      assert.deepEqual(read.live?.records ?? null, seeded?.records ?? null);
      const plan = buildPlan({
        zone,
        name: subject.name,
        type: subject.type,
        kind: c.kind,
        before: read.live,
        after: target,
      });

      await assert.rejects(port.verify(plan, plan.after), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.type, FailureType.VerificationMismatch, err.message);
        return true;
      });
      await port.write(plan, { base: `CS-contract-${zone}`, attempt: 1 });
      assert.deepEqual((await port.read(zone, subject)).live?.records ?? null, target?.records ?? null);
      // Verification asks from outside the provider: publication may lag the write a moment.
      const verified = await eventually(() => port.verify(plan, plan.after));
      assert.ok(verified.answers.length >= 1);

      const undo = buildPlan({
        zone,
        name: subject.name,
        type: subject.type,
        kind: c.kind,
        before: plan.after,
        after: plan.before,
      });
      await port.write(undo, { base: `CS-contract-undo-${zone}`, attempt: 1 });
      assert.deepEqual((await port.read(zone, subject)).live?.records ?? null, seeded?.records ?? null);
      await eventually(() => port.verify(undo, undo.after));
    });

    it('what the provider does not have is a typed, final failure', async () => {
      const port = c.port();
      await assert.rejects(port.read(c.missing, { name: c.missing, type: 'NS' }), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.type, c.missingType, err.message);
        return true;
      });
    });
  });
}

let h: Harness;
let adapter: RegistryConnection;
before(async () => {
  h = await openHarness();
  adapter = registryAdapter(registryUnderTest());
});
after(async () => {
  await adapter.close();
  await h.close();
});

contract({
  name: 'PowerDNS (an RRset of a zone)',
  kind: 'dns.upsert_rrset',
  port: () => powerDnsZonePort(h.pdns, [h.env.dns]),
  async seed(id) {
    const zone = await createTestZone(h.pdns, id);
    return {
      zone,
      subject: { name: `www.${zone}`, type: 'A' },
      before: { name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.10'] },
      after: { name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.100', '192.0.2.99'] },
    };
  },
  missing: 'no-such-zone-contract.test.',
  missingType: FailureType.ZoneNotFound,
});

const registryCase = (
  name: string,
  kind: string,
  type: string,
  seedExtra: { locks?: string[] },
  states: (domain: string) => { before: string[] | null; after: string[] | null },
): ContractCase => ({
  name: `EPP registry (${name})`,
  kind,
  port: () => adapter.port,
  async seed(id) {
    const domain = `${id}.test`;
    await seedDomain(registryUnderTest(), {
      name: domain,
      ns: ['ns1.old-host.net', 'ns2.old-host.net'],
      ...seedExtra,
    });
    const subject = { name: `${domain}.`, type };
    const { before: b, after: a } = states(domain);
    const rrset = (records: string[] | null) => (records === null ? null : { ...subject, ttl: 0, records });
    return { zone: `${domain}.`, subject, before: rrset(b), after: rrset(a) };
  },
  missing: 'no-such-domain-contract.test.',
  missingType: FailureType.RegistrarNotFound,
});

contract(
  registryCase('delegation NS, checked in the parent zone', 'registrar.set_nameservers', 'NS', {}, () => ({
    before: ['ns1.old-host.net.', 'ns2.old-host.net.'],
    after: ['ns1.new-host.net.', 'ns2.new-host.net.'],
  })),
);
contract(
  registryCase('DS records, checked in the parent zone', 'registrar.add_ds', 'DS', {}, () => ({
    before: null,
    after: ['4321 13 2 ' + 'ab'.repeat(32)],
  })),
);
contract(
  registryCase('locks', 'registrar.set_lock', 'LOCK', { locks: ['clientDeleteProhibited'] }, () => ({
    before: ['clientDeleteProhibited'],
    after: ['clientDeleteProhibited', 'clientTransferProhibited', 'clientUpdateProhibited'],
  })),
);

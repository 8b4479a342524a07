import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { queryRrset } from '../../activities/dns/query';
import { PowerDnsClient } from '../../activities/powerdns/client';
import type { EppTestConnection, RegistryUnderTest, TransactionEntry } from '../helpers/epp-registry';
import {
  admin,
  domainCreateFrame,
  domainInfoFrame,
  domainTransferFrame,
  domainUpdateFrame,
  EppTestConnection as Connection,
  hostCreateFrame,
  loginFrame,
  openSession,
  pick,
  registrar,
  registryUnderTest,
  textOf,
} from '../helpers/epp-registry';
import { eventually } from '../helpers/eventually';
import { testEnv } from '../helpers/env';
import { validateEppFrameDir } from '../helpers/epp-xsd';

/**
 * The EPP registry test double that `npm test` starts, checked from outside: an independent client
 * (Perl's Net::EPP) drives it, its delegations are read back from PowerDNS with DNS queries, the
 * protocol rules the product relies on are exercised, and every frame either side sent is checked
 * against the IANA schemas. Cases that need frames the schemas refuse, or a restart, run on a
 * private instance (epp-registry-protocol.test.ts).
 */

const rand = () => Math.random().toString(36).slice(2, 8);
const ds = {
  keyTag: 4242,
  alg: 13,
  digestType: 2,
  digest: 'D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A',
};

function runPerl(input: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'perl',
      [path.join(__dirname, '..', 'epp-perl', 'drive.pl')],
      { timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err !== null) return reject(new Error(`drive.pl failed: ${err.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout) as Record<string, unknown>);
        } catch {
          reject(new Error(`drive.pl printed no JSON: ${stdout}\n${stderr}`));
        }
      },
    );
    child.stdin?.end(JSON.stringify(input));
  });
}

async function seedDomain(c: EppTestConnection, name: string, authInfo: string): Promise<string[]> {
  const hosts = [`ns-a-${name.split('.')[0]}.example.net`, `ns-b-${name.split('.')[0]}.example.net`];
  for (const h of hosts) assert.equal((await c.command(hostCreateFrame(h))).code, 1000);
  assert.equal((await c.command(domainCreateFrame({ name, ns: hosts, authInfo }))).code, 1000);
  return hosts;
}

describe('EPP registry test double (the one npm test runs)', () => {
  const env = testEnv();
  let registry: RegistryUnderTest;
  let sponsor: EppTestConnection;
  let other: EppTestConnection;
  const secrets: string[] = [];

  before(async () => {
    registry = registryUnderTest();
    secrets.push(...registry.registrars.map((r) => r.password));
    sponsor = await openSession(registry, 'countersign');
    other = await openSession(registry, 'other-registrar');
  });

  after(async () => {
    await sponsor.close();
    await other.close();
  });

  it('is driven end to end by Perl Net::EPP: create, info, ns and DS updates, transfer, poll', async () => {
    const label = `perl-${rand()}`;
    const domain = `${label}.test`;
    const logoutsBefore = (await admin<TransactionEntry[]>(registry, 'GET', '/transactions')).filter(
      (t) => t.command === 'logout',
    ).length;
    const out = await runPerl({
      host: registry.host,
      port: registry.port,
      caFile: registry.caFile,
      domain,
      contact: label,
      externalHosts: [`ns-a-${label}.example.net`, `ns-b-${label}.example.net`],
      glueHost: `ns1.${domain}`,
      glueAddr: '192.0.2.53',
      ds,
      registrars: {
        countersign: registrar(registry, 'countersign'),
        other: registrar(registry, 'other-registrar'),
      },
    });
    secrets.push('Perl-Auth-1', 'contact-Auth1');
    assert.equal(out.failed, undefined, JSON.stringify(out.failed));
    assert.equal(out.greeting_svID, 'countersign registry test double');
    assert.equal(out.login_countersign, 1000);
    assert.equal(out.contact_create, 1000);
    assert.deepEqual(out.external_host_create, [1000, 1000]);
    assert.equal(out.check_before, 1);
    assert.equal(out.domain_create, 1000);
    assert.equal(out.check_after, 0);
    assert.equal(out.glue_host_create, 1000);
    // update_domain sent empty <domain:chg/> (and would send empty add/rem): accepted.
    assert.equal(out.ns_update, 1000);
    assert.deepEqual(out.info_ns, [`ns-a-${label}.example.net`, `ns1.${domain}`]);
    assert.deepEqual(out.info_hosts, [`ns1.${domain}`]);
    assert.deepEqual(out.info_status, ['ok']);
    assert.equal(out.info_clID, 'countersign');
    assert.equal(out.info_has_authInfo, true);
    assert.equal(out.ds_update, 1000);
    assert.deepEqual(out.info_ds, [`${ds.keyTag} ${ds.alg} ${ds.digestType} ${ds.digest}`]);
    assert.equal(out.login_other, 1000);
    assert.equal(out.transfer_request, 1001);
    assert.equal(out.transfer_request_status, 'pending');
    assert.equal(out.transfer_acID, 'countersign');
    assert.equal(out.sponsor_poll, 1301);
    assert.equal(out.sponsor_poll_trStatus, 'pending');
    assert.equal(out.sponsor_ack, 1000);
    assert.equal(out.transfer_approve, 1000);
    assert.equal(out.gaining_poll, 1301);
    assert.equal(out.gaining_poll_trStatus, 'clientApproved');
    assert.equal(out.sponsor_after, 'other-registrar');
    assert.equal(out.new_sponsor_sees_authInfo, true);
    assert.equal(out.old_sponsor_sees_authInfo, false);
    assert.equal(out.old_sponsor_update, 2201);
    // Net::EPP::Simple does not report the logout code: the transaction log does.
    const logouts = (await admin<TransactionEntry[]>(registry, 'GET', '/transactions')).filter(
      (t) => t.command === 'logout',
    );
    assert.equal(logouts.length, logoutsBefore + 2);
    assert.ok(logouts.slice(-2).every((t) => t.code === 1500));
    const stored = await admin<{ sponsor: string; trDate?: string; hasAuthInfo: boolean }>(
      registry,
      'GET',
      `/domains/${domain}`,
    );
    assert.equal(stored.sponsor, 'other-registrar');
    assert.ok(stored.trDate !== undefined);
  });

  it('publishes NS, glue and DS into the TLD zone; a hold takes the delegation out', async () => {
    const label = `pub-${rand()}`;
    const domain = `${label}.test`;
    const hosts = await seedDomain(sponsor, domain, 'Pub-Auth-1');
    secrets.push('Pub-Auth-1');
    const glue = `ns1.${domain}`;
    assert.equal((await sponsor.command(hostCreateFrame(glue, ['192.0.2.7', '2001:DB8::7']))).code, 1000);
    const update = await sponsor.command(
      domainUpdateFrame({ name: domain, addNs: [glue], remNs: [hosts[1]!], dsAdd: [ds] }),
    );
    assert.equal(update.code, 1000);
    await eventually(async () => {
      const view = await admin<{ published: boolean }>(registry, 'GET', `/domains/${domain}`);
      assert.equal(view.published, true);
    });
    const ns = await queryRrset(env.dns, `${domain}.`, 'NS');
    assert.equal(ns.referral, true, 'the parent answers with a referral');
    assert.deepEqual(ns.rrset?.records, [`${hosts[0]}.`, `${glue}.`]);
    const dsAnswer = await queryRrset(env.dns, `${domain}.`, 'DS');
    assert.equal(dsAnswer.authoritative, true, 'the parent answers DS itself');
    assert.deepEqual(dsAnswer.rrset?.records, [
      `${ds.keyTag} ${ds.alg} ${ds.digestType} ${ds.digest.toLowerCase()}`,
    ]);
    const pdns = new PowerDnsClient(env.pdns);
    assert.deepEqual((await pdns.getRrset('test.', `${glue}.`, 'A'))?.records, ['192.0.2.7']);
    assert.deepEqual((await pdns.getRrset('test.', `${glue}.`, 'AAAA'))?.records, ['2001:db8::7']);
    // clientHold: no delegation, no glue (RFC 5731 §2.3); removing every DS takes the DS away too.
    const hold = await sponsor.command(
      domainUpdateFrame({ name: domain, addStatus: ['clientHold'], dsRemAll: true }),
    );
    assert.equal(hold.code, 1000);
    await eventually(async () => {
      assert.equal((await queryRrset(env.dns, `${domain}.`, 'NS')).rrset, null);
      assert.equal((await queryRrset(env.dns, `${domain}.`, 'DS')).rrset, null);
      assert.equal(await pdns.getRrset('test.', `${glue}.`, 'A'), null);
    });
  });

  it('refuses an NS change while clientUpdateProhibited is set, and allows removing the lock', async () => {
    const domain = `lock-${rand()}.test`;
    const [a] = await seedDomain(sponsor, domain, 'Lock-Auth-1');
    secrets.push('Lock-Auth-1');
    const extra = `ns-c-${rand()}.example.net`;
    assert.equal((await sponsor.command(hostCreateFrame(extra))).code, 1000);
    assert.equal(
      (await sponsor.command(domainUpdateFrame({ name: domain, addStatus: ['clientUpdateProhibited'] })))
        .code,
      1000,
    );
    const refused = await sponsor.command(domainUpdateFrame({ name: domain, addNs: [extra], remNs: [a!] }));
    assert.equal(refused.code, 2304);
    assert.match(refused.reason ?? '', /clientUpdateProhibited/);
    // Removing the lock together with another change is still refused: only the unlock may pass.
    const mixed = await sponsor.command(
      domainUpdateFrame({ name: domain, addNs: [extra], remStatus: ['clientUpdateProhibited'] }),
    );
    assert.equal(mixed.code, 2304);
    assert.equal(
      (await sponsor.command(domainUpdateFrame({ name: domain, remStatus: ['clientUpdateProhibited'] })))
        .code,
      1000,
    );
    assert.equal(
      (await sponsor.command(domainUpdateFrame({ name: domain, addNs: [extra], remNs: [a!] }))).code,
      1000,
    );
    // A server* status is not the client's to set; adding a status twice is refused, not ignored.
    assert.equal(
      (await sponsor.command(domainUpdateFrame({ name: domain, addStatus: ['serverHold'] }))).code,
      2306,
    );
    assert.equal(
      (await sponsor.command(domainUpdateFrame({ name: domain, addStatus: ['clientDeleteProhibited'] })))
        .code,
      1000,
    );
    assert.equal(
      (await sponsor.command(domainUpdateFrame({ name: domain, addStatus: ['clientDeleteProhibited'] })))
        .code,
      2306,
    );
  });

  it('checks who may do what: sponsor-only updates, the authInfo for transfers, login first', async () => {
    const domain = `auth-${rand()}.test`;
    await seedDomain(sponsor, domain, 'Right-Auth-1');
    secrets.push('Right-Auth-1');
    assert.equal(
      (await other.command(domainUpdateFrame({ name: domain, addStatus: ['clientHold'] }))).code,
      2201,
    );
    assert.equal((await other.command(domainTransferFrame('request', domain, 'Wrong-Auth-1'))).code, 2202);
    assert.equal((await other.command(domainTransferFrame('request', domain))).code, 2202);
    assert.equal((await sponsor.command(domainTransferFrame('request', domain, 'Right-Auth-1'))).code, 2106);
    // The authInfo goes to the sponsor only.
    const mine = await sponsor.command(domainInfoFrame(domain));
    assert.equal(textOf(pick(mine.tree, 'resData', 'infData', 'authInfo', 'pw')), 'Right-Auth-1');
    const theirs = await other.command(domainInfoFrame(domain));
    assert.equal(theirs.code, 1000);
    assert.equal(pick(theirs.tree, 'resData', 'infData', 'authInfo'), undefined);
    // Reject, then a new request and a cancel by the requester.
    assert.equal((await other.command(domainTransferFrame('request', domain, 'Right-Auth-1'))).code, 1001);
    assert.equal((await other.command(domainTransferFrame('request', domain, 'Right-Auth-1'))).code, 2300);
    assert.equal(
      (await sponsor.command(domainUpdateFrame({ name: domain, addStatus: ['clientHold'] }))).code,
      2304,
    );
    assert.equal((await other.command(domainTransferFrame('approve', domain))).code, 2201);
    assert.equal((await sponsor.command(domainTransferFrame('reject', domain))).code, 1000);
    assert.equal((await sponsor.command(domainTransferFrame('reject', domain))).code, 2301);
    assert.equal((await other.command(domainTransferFrame('request', domain, 'Right-Auth-1'))).code, 1001);
    assert.equal((await sponsor.command(domainTransferFrame('cancel', domain))).code, 2201);
    const cancelled = await other.command(domainTransferFrame('cancel', domain));
    assert.equal(cancelled.code, 1000);
    assert.equal(textOf(pick(cancelled.tree, 'resData', 'trnData', 'trStatus')), 'clientCancelled');

    const fresh = await Connection.open(registry, registrar(registry, 'countersign'));
    try {
      const early = await fresh.command(domainInfoFrame(domain));
      assert.equal(early.code, 2002);
      const creds = registrar(registry, 'countersign');
      assert.equal((await fresh.command(loginFrame('countersign', creds.password))).code, 1000);
      assert.equal((await fresh.command(domainInfoFrame(domain))).code, 1000);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a login whose client certificate belongs to another registrar (2200)', async () => {
    const wrong = await Connection.open(registry, registrar(registry, 'other-registrar'));
    try {
      const answer = await wrong.command(
        loginFrame('countersign', registrar(registry, 'countersign').password),
      );
      assert.equal(answer.code, 2200);
      assert.match(answer.reason ?? '', /certificate was issued to other-registrar/);
      assert.equal((await wrong.command(loginFrame('countersign', 'not-the-pw'))).code, 2200);
    } finally {
      await wrong.close();
    }
  });

  it('drop-after-apply: the change is stored and logged once, the client hears nothing', async () => {
    const domain = `drop-${rand()}.test`;
    await seedDomain(sponsor, domain, 'Drop-Auth-1');
    secrets.push('Drop-Auth-1');
    await admin(registry, 'POST', '/faults', {
      command: 'domain:update',
      mode: 'drop-after-apply',
      object: domain,
      times: 1,
    });
    const victim = await openSession(registry, 'countersign');
    const frame = domainUpdateFrame({ name: domain, addStatus: ['clientTransferProhibited'] });
    const clTRID = /<clTRID>([^<]+)<\/clTRID>/.exec(frame)![1]!;
    assert.equal(await victim.request(frame), undefined, 'no answer');
    await victim.closed;
    const stored = await admin<{ statuses: { s: string }[] }>(registry, 'GET', `/domains/${domain}`);
    assert.deepEqual(
      stored.statuses.map((s) => s.s),
      ['clientTransferProhibited'],
    );
    const entries = (await admin<TransactionEntry[]>(registry, 'GET', '/transactions')).filter(
      (t) => t.clTRID === clTRID,
    );
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.code, 1000);
    assert.equal(entries[0]!.changed, true);
    assert.equal(entries[0]!.command, 'domain:update');
    // A blind retry is refused (the status is already there): a client must read before retrying.
    assert.equal((await sponsor.command(frame)).code, 2306);
    // "fail": an error answer, nothing changed.
    await admin(registry, 'POST', '/faults', {
      command: 'domain:update',
      mode: 'fail',
      code: 2400,
      object: domain,
    });
    assert.equal(
      (await sponsor.command(domainUpdateFrame({ name: domain, addStatus: ['clientHold'] }))).code,
      2400,
    );
    const after = await admin<{ statuses: { s: string }[] }>(registry, 'GET', `/domains/${domain}`);
    assert.deepEqual(
      after.statuses.map((s) => s.s),
      ['clientTransferProhibited'],
    );
  });

  it('keeps passwords and authInfo values out of its log, transaction log and admin API', async () => {
    const files = ['registry.log', 'transactions.jsonl'].map((f) =>
      readFileSync(path.join(registry.dataDir, f), 'utf8'),
    );
    const transactions = JSON.stringify(await admin(registry, 'GET', '/transactions'));
    for (const secret of secrets) {
      for (const text of [...files, transactions])
        assert.ok(!text.includes(secret), `a secret leaked: ${secret.slice(0, 3)}…`);
    }
  });

  it('sent and received only frames that validate against the IANA schemas', async () => {
    const verdicts = await validateEppFrameDir(registry.frameLogDir);
    assert.ok(verdicts.length > 50, `only ${verdicts.length} frames logged`);
    const invalid = verdicts.filter((v) => !v.valid);
    assert.deepEqual(invalid, [], invalid.map((v) => `${v.file}: ${v.errors}`).join('\n'));
  });
});

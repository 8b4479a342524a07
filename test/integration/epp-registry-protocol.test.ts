import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { queryRrset } from '../../activities/dns/query';
import type {
  EppRegistryHandle,
  EppRegistryOptions,
} from '../../workers/stack/epp-registry/registry-process';
import { startEppRegistry } from '../../workers/stack/epp-registry/registry-process';
import type { EppTestConnection, RegistryUnderTest, TransactionEntry } from '../helpers/epp-registry';
import {
  admin,
  commandFrame,
  domainCreateFrame,
  domainInfoFrame,
  domainNs,
  domainTransferFrame,
  domainUpdateFrame,
  dsXml,
  EppTestConnection as Connection,
  hostCreateFrame,
  loginFrame,
  openSession,
  pick,
  pollFrame,
  registrar,
  registryOf,
  secDnsNs,
  textOf,
} from '../helpers/epp-registry';
import { eventually } from '../helpers/eventually';
import { testEnv } from '../helpers/env';
import { validateEppFrameDir } from '../helpers/epp-xsd';
import type { HttpFaultProxy } from '../../chaos/http-fault-proxy';
import { startHttpFaultProxy } from '../../chaos/http-fault-proxy';

/**
 * The registry test double on a private instance of its own: the cases that send frames the
 * schemas refuse, break the connection, publish through a failing PowerDNS, move its clock, or
 * restart it on the same data folder.
 */

const run = promisify(execFile);
const rand = () => Math.random().toString(36).slice(2, 8);
const ds = {
  keyTag: 31589,
  alg: 13,
  digestType: 2,
  digest: '3490A6806D47F17A34C29E2CE80E8A999FFBE4BE2A5E7C1D1D0C7E7A6B1C2D3E',
};

describe('EPP registry test double (private instance)', () => {
  const env = testEnv();
  const dataDir = path.join(env.dataDir, `epp-private-${rand()}`);
  const frameLogDir = path.join(dataDir, 'frames');
  let proxy: HttpFaultProxy;
  let options: EppRegistryOptions;
  let handle: EppRegistryHandle;
  let registry: RegistryUnderTest;
  /** In-frames this test sends on purpose although the schemas refuse them. */
  const deliberatelyInvalid = new Set<string>();
  const secrets: string[] = [];

  const newestInFrame = () =>
    readdirSync(frameLogDir)
      .filter((f) => f.includes('-in-') && f.endsWith('.xml'))
      .sort()
      .at(-1)!;

  before(async () => {
    proxy = await startHttpFaultProxy(env.pdns.apiUrl);
    options = {
      dataDir,
      frameLogDir,
      pdns: { apiUrl: proxy.url, apiKey: env.pdns.apiKey },
      idleTimeout: '3s',
      registrars: ['countersign', 'other-registrar', 'pw-changer'],
    };
    handle = await startEppRegistry(options);
    registry = registryOf(handle);
    secrets.push(...registry.registrars.map((r) => r.password));
  });

  after(async () => {
    await handle.stop();
    await proxy.close();
  });

  async function seed(c: EppTestConnection, name: string, authInfo: string): Promise<string[]> {
    const hosts = [`ns-a-${name.split('.')[0]}.example.net`, `ns-b-${name.split('.')[0]}.example.net`];
    for (const h of hosts) assert.equal((await c.command(hostCreateFrame(h))).code, 1000);
    assert.equal((await c.command(domainCreateFrame({ name, ns: hosts, authInfo }))).code, 1000);
    secrets.push(authInfo);
    return hosts;
  }

  it('answers malformed XML with 2001 and keeps the session; unknown commands and extensions are refused', async () => {
    const c = await openSession(registry, 'countersign');
    try {
      const broken = await c.command(
        '<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><info>',
      );
      assert.equal(broken.code, 2001);
      assert.match(broken.reason ?? '', /not well-formed/);
      assert.equal((await c.command(commandFrame('<foo/>'))).code, 2000);
      deliberatelyInvalid.add(newestInFrame());
      const contactRenew = commandFrame(
        '<renew><contact:renew xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>abc</contact:id></contact:renew></renew>',
      );
      assert.equal((await c.command(contactRenew)).code, 2101);
      deliberatelyInvalid.add(newestInFrame());
      const unknownExt = commandFrame(
        `<check><domain:check xmlns:domain="${domainNs}"><domain:name>x-${rand()}.test</domain:name></domain:check></check>`,
        '<ext:thing xmlns:ext="urn:example:unknown-extension"/>',
      );
      assert.equal((await c.command(unknownExt)).code, 2103);
      deliberatelyInvalid.add(newestInFrame());
      // Still the same session, still logged in.
      const check = await c.command(
        commandFrame(
          `<check><domain:check xmlns:domain="${domainNs}"><domain:name>ok-${rand()}.test</domain:name></domain:check></check>`,
        ),
      );
      assert.equal(check.code, 1000);
      assert.equal(c.isClosed, false);
    } finally {
      await c.close();
    }
  });

  it('closes the connection without an answer on an oversized frame header, and when idle', async () => {
    const c = await openSession(registry, 'countersign');
    c.writeRaw(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    assert.equal(await c.next(), undefined);
    await c.closed;
    const idle = await Connection.open(registry, registrar(registry, 'countersign'));
    const started = Date.now();
    assert.equal(await idle.next(10_000), undefined);
    assert.ok(Date.now() - started >= 2500, 'closed after the idle timeout, not before');
  });

  it('refuses TLS clients without a certificate from the registry CA, and closes after repeated failed logins', async () => {
    const dir = path.join(dataDir, 'rogue');
    await run('mkdir', ['-p', dir]);
    const keyFile = path.join(dir, 'rogue.key');
    const certFile = path.join(dir, 'rogue.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=countersign',
      '-days',
      '1',
    ]);
    await assert.rejects(Connection.open(registry, { certFile, keyFile }));
    const c = await Connection.open(registry, registrar(registry, 'countersign'));
    assert.equal((await c.command(loginFrame('countersign', 'wrong-pw-1'))).code, 2200);
    assert.equal((await c.command(loginFrame('countersign', 'wrong-pw-2'))).code, 2200);
    assert.equal((await c.command(loginFrame('countersign', 'wrong-pw-3'))).code, 2501);
    await c.closed;
  });

  it('applies secDNS rules: declared at login, dsData only, no maxSigLife or urgent, DS kept case-insensitively', async () => {
    const domain = `sec-${rand()}.test`;
    const c = await openSession(registry, 'countersign');
    const plain = await openSession(registry, 'countersign', { secDns: false });
    try {
      await seed(c, domain, 'Sec-Auth-1');
      const update = (ext: string) =>
        commandFrame(
          `<update><domain:update xmlns:domain="${domainNs}"><domain:name>${domain}</domain:name></domain:update></update>`,
          `<secDNS:update xmlns:secDNS="${secDnsNs}"${ext}`,
        );
      assert.equal(
        (await plain.command(update(`><secDNS:add>${dsXml(ds)}</secDNS:add></secDNS:update>`))).code,
        2103,
      );
      assert.equal(
        (await c.command(update(` urgent="true"><secDNS:add>${dsXml(ds)}</secDNS:add></secDNS:update>`)))
          .code,
        2102,
      );
      assert.equal(
        (
          await c.command(
            update(
              `><secDNS:add><secDNS:maxSigLife>604800</secDNS:maxSigLife>${dsXml(ds)}</secDNS:add></secDNS:update>`,
            ),
          )
        ).code,
        2102,
      );
      const keyData =
        '<secDNS:keyData><secDNS:flags>257</secDNS:flags><secDNS:protocol>3</secDNS:protocol><secDNS:alg>13</secDNS:alg><secDNS:pubKey>AQPJ////4Q==</secDNS:pubKey></secDNS:keyData>';
      assert.equal(
        (await c.command(update(`><secDNS:add>${keyData}</secDNS:add></secDNS:update>`))).code,
        2306,
      );
      const short = { ...ds, digest: 'ABCDEF' };
      assert.equal((await c.command(domainUpdateFrame({ name: domain, dsAdd: [short] }))).code, 2306);
      assert.equal((await c.command(domainUpdateFrame({ name: domain, dsAdd: [ds] }))).code, 1000);
      // The same DS in lower case is the same DS: removing it works, adding it again is refused.
      const lower = { ...ds, digest: ds.digest.toLowerCase() };
      assert.equal((await c.command(domainUpdateFrame({ name: domain, dsAdd: [lower] }))).code, 2306);
      const info = await c.command(domainInfoFrame(domain));
      const dsData = pick(info.tree, 'extension', 'infData', 'dsData') as {
        keyTag: string;
        digest: string;
      }[];
      assert.deepEqual(
        dsData.map((d) => [d.keyTag, d.digest]),
        [[String(ds.keyTag), ds.digest]],
      );
      // A client that did not declare secDNS-1.1 gets no DNSSEC data (RFC 5910 §4).
      assert.equal(pick((await plain.command(domainInfoFrame(domain))).tree, 'extension'), undefined);
      assert.equal((await c.command(domainUpdateFrame({ name: domain, dsRem: [lower] }))).code, 1000);
    } finally {
      await c.close();
      await plain.close();
    }
  });

  it('keeps name server rules: existing hosts only, at least two, glue only below its own domains', async () => {
    const domain = `ns-${rand()}.test`;
    const c = await openSession(registry, 'countersign');
    try {
      const [a] = await seed(c, domain, 'Ns-Auth-1');
      const missing = `ns-missing-${rand()}.example.net`;
      const refused = await c.command(domainUpdateFrame({ name: domain, addNs: [missing] }));
      assert.equal(refused.code, 2303);
      assert.match(
        refused.xml,
        new RegExp(`<domain:hostObj xmlns:domain="${domainNs}">${missing}</domain:hostObj>`),
      );
      assert.equal((await c.command(domainUpdateFrame({ name: domain, remNs: [a!] }))).code, 2306);
      assert.equal(
        (await c.command(domainUpdateFrame({ name: domain, remNs: [`ns-x-${rand()}.example.net`] }))).code,
        2306,
      );
      assert.equal((await c.command(hostCreateFrame(`ns9.${domain}`))).code, 2003);
      assert.equal(
        (await c.command(hostCreateFrame(`ns9.unregistered-${rand()}.test`, ['192.0.2.9']))).code,
        2303,
      );
      assert.equal((await c.command(hostCreateFrame(`ns9-${rand()}.example.org`, ['192.0.2.9']))).code, 2306);
      // An update that changes nothing answers 1000 and is logged with changed=false.
      const empty = await c.command(
        commandFrame(
          `<update><domain:update xmlns:domain="${domainNs}"><domain:name>${domain}</domain:name><domain:add/><domain:rem/><domain:chg/></domain:update></update>`,
        ),
      );
      assert.equal(empty.code, 1000);
      const logged = (await admin<TransactionEntry[]>(registry, 'GET', '/transactions')).find(
        (t) => t.svTRID === empty.svTRID,
      );
      assert.equal(logged?.changed, false);
    } finally {
      await c.close();
    }
  });

  it('auto-approves a transfer when its time comes (clock or admin), with notices to both sides', async () => {
    const moved = `auto-${rand()}.test`;
    const forced = `force-${rand()}.test`;
    const c = await openSession(registry, 'countersign');
    const o = await openSession(registry, 'other-registrar');
    try {
      await seed(c, moved, 'Auto-Auth-1');
      await seed(c, forced, 'Force-Auth-1');
      assert.equal((await o.command(domainTransferFrame('request', moved, 'Auto-Auth-1'))).code, 1001);
      assert.equal((await o.command(domainTransferFrame('request', forced, 'Force-Auth-1'))).code, 1001);
      await admin(registry, 'POST', `/transfers/${forced}/auto-approve`);
      assert.equal(
        (await admin<{ sponsor: string }>(registry, 'GET', `/domains/${forced}`)).sponsor,
        'other-registrar',
      );
      await admin(registry, 'POST', '/clock', { advanceMs: 6 * 24 * 3600 * 1000 });
      const query = await o.command(domainTransferFrame('query', moved));
      assert.equal(textOf(pick(query.tree, 'resData', 'trnData', 'trStatus')), 'serverApproved');
      assert.equal(
        textOf(pick((await o.command(domainInfoFrame(moved))).tree, 'resData', 'infData', 'clID')),
        'other-registrar',
      );
      // The old authInfo no longer works: it was reset on transfer.
      assert.equal((await c.command(domainTransferFrame('request', moved, 'Auto-Auth-1'))).code, 2202);
      // Drain the gaining registrar's queue: every message is a transfer notice with trnData.
      const statuses: string[] = [];
      for (;;) {
        const msg = await o.command(pollFrame('req'));
        if (msg.code === 1300) break;
        assert.equal(msg.code, 1301);
        statuses.push(textOf(pick(msg.tree, 'resData', 'trnData', 'trStatus')));
        const id = String(pick(msg.tree, 'msgQ', '@id'));
        assert.equal((await o.command(pollFrame('ack', id))).code, 1000);
      }
      assert.deepEqual(statuses.filter((s) => s === 'serverApproved').length, 2);
      assert.equal((await o.command(pollFrame('ack', '999999'))).code, 2303);
    } finally {
      await c.close();
      await o.close();
    }
  });

  it('retries publishing while PowerDNS fails, and reports it unpublished meanwhile', async () => {
    const domain = `retry-${rand()}.test`;
    const c = await openSession(registry, 'countersign');
    try {
      const [a, b] = await seed(c, domain, 'Retry-Auth-1');
      await eventually(async () =>
        assert.equal(
          (await admin<{ published: boolean }>(registry, 'GET', `/domains/${domain}`)).published,
          true,
        ),
      );
      proxy.rule = () => 'unavailable';
      const third = `ns-c-${rand()}.example.net`;
      assert.equal((await c.command(hostCreateFrame(third))).code, 1000);
      assert.equal(
        (await c.command(domainUpdateFrame({ name: domain, addNs: [third], remNs: [a!] }))).code,
        1000,
      );
      await eventually(() => {
        assert.match(
          readFileSync(path.join(dataDir, 'registry.log'), 'utf8'),
          /publishing to PowerDNS failed/,
        );
        return Promise.resolve();
      });
      assert.equal(
        (await admin<{ published: boolean }>(registry, 'GET', `/domains/${domain}`)).published,
        false,
      );
      assert.ok((await admin<{ unpublished: number }>(registry, 'GET', '/health')).unpublished > 0);
      proxy.rule = () => 'pass';
      await eventually(async () => {
        assert.equal(
          (await admin<{ published: boolean }>(registry, 'GET', `/domains/${domain}`)).published,
          true,
        );
      }, 20_000);
      const ns = await queryRrset(env.dns, `${domain}.`, 'NS');
      assert.deepEqual(ns.rrset?.records, [`${b}.`, `${third}.`].sort());
    } finally {
      proxy.rule = () => 'pass';
      await c.close();
    }
  });

  it('renews with the current expiry date and deletes only what nothing holds', async () => {
    const domain = `life-${rand()}.test`;
    const c = await openSession(registry, 'countersign');
    try {
      await seed(c, domain, 'Life-Auth-1');
      const info = await c.command(domainInfoFrame(domain));
      const exDate = textOf(pick(info.tree, 'resData', 'infData', 'exDate'));
      const renew = (date: string) =>
        commandFrame(
          `<renew><domain:renew xmlns:domain="${domainNs}"><domain:name>${domain}</domain:name><domain:curExpDate>${date}</domain:curExpDate><domain:period unit="y">2</domain:period></domain:renew></renew>`,
        );
      assert.equal((await c.command(renew('2000-01-01'))).code, 2004);
      const renewed = await c.command(renew(exDate.slice(0, 10)));
      assert.equal(renewed.code, 1000);
      const next = textOf(pick(renewed.tree, 'resData', 'renData', 'exDate'));
      assert.equal(new Date(next).getUTCFullYear(), new Date(exDate).getUTCFullYear() + 2);
      const glue = `ns1.${domain}`;
      assert.equal((await c.command(hostCreateFrame(glue, ['192.0.2.44']))).code, 1000);
      const remove = (tag: 'domain' | 'host', name: string) =>
        commandFrame(
          `<delete><${tag}:delete xmlns:${tag}="urn:ietf:params:xml:ns:${tag}-1.0"><${tag}:name>${name}</${tag}:name></${tag}:delete></delete>`,
        );
      assert.equal((await c.command(remove('domain', domain))).code, 2305);
      assert.equal((await c.command(remove('host', glue))).code, 1000);
      assert.equal(
        (await c.command(domainUpdateFrame({ name: domain, addStatus: ['clientDeleteProhibited'] }))).code,
        1000,
      );
      assert.equal((await c.command(remove('domain', domain))).code, 2304);
      assert.equal(
        (await c.command(domainUpdateFrame({ name: domain, remStatus: ['clientDeleteProhibited'] }))).code,
        1000,
      );
      assert.equal((await c.command(remove('domain', domain))).code, 1000);
      assert.equal((await c.command(domainInfoFrame(domain))).code, 2303);
    } finally {
      await c.close();
    }
  });

  it('changes a registrar password at login (newPW)', async () => {
    const creds = registrar(registry, 'pw-changer');
    const newPW = `New-${rand()}-pw`;
    secrets.push(creds.password, newPW);
    const first = await Connection.open(registry, creds);
    assert.equal((await first.command(loginFrame('pw-changer', creds.password, { newPW }))).code, 1000);
    await first.close();
    const old = await Connection.open(registry, creds);
    assert.equal((await old.command(loginFrame('pw-changer', creds.password))).code, 2200);
    await old.close();
    const fresh = await Connection.open(registry, creds);
    assert.equal((await fresh.command(loginFrame('pw-changer', newPW))).code, 1000);
    await fresh.close();
    await eventually(() => {
      const handout = JSON.parse(readFileSync(path.join(dataDir, 'registrars.json'), 'utf8')) as {
        registrars: { clID: string; password: string }[];
      };
      assert.equal(handout.registrars.find((r) => r.clID === 'pw-changer')?.password, newPW);
      return Promise.resolve();
    });
  });

  it('keeps its state across a restart on the same data folder', async () => {
    const domain = `keep-${rand()}.test`;
    const c = await openSession(registry, 'countersign');
    await seed(c, domain, 'Keep-Auth-1');
    assert.equal(
      (await c.command(domainUpdateFrame({ name: domain, addStatus: ['clientDeleteProhibited'] }))).code,
      1000,
    );
    await c.close();
    const framesBefore = readdirSync(frameLogDir).length;
    const transactionsBefore = (await admin<TransactionEntry[]>(registry, 'GET', '/transactions')).length;
    await handle.stop();
    handle = await startEppRegistry(options);
    registry = registryOf(handle);
    const again = await openSession(registry, 'countersign');
    try {
      const info = await again.command(domainInfoFrame(domain));
      assert.equal(info.code, 1000);
      assert.equal(textOf(pick(info.tree, 'resData', 'infData', 'authInfo', 'pw')), 'Keep-Auth-1');
      const statuses = (pick(info.tree, 'resData', 'infData', 'status') as { '@s': string }[]).map(
        (s) => s['@s'],
      );
      assert.deepEqual(statuses, ['clientDeleteProhibited']);
      assert.ok(
        (await admin<TransactionEntry[]>(registry, 'GET', '/transactions')).length > transactionsBefore,
      );
      const seqs = readdirSync(frameLogDir).map((f) => f.slice(0, 6));
      assert.equal(new Set(seqs).size, seqs.length, 'no frame file overwritten');
      assert.ok(seqs.length > framesBefore);
    } finally {
      await again.close();
    }
  });

  it('keeps secrets out of its log and transaction log', () => {
    const texts = ['registry.log', 'transactions.jsonl'].map((f) =>
      readFileSync(path.join(dataDir, f), 'utf8'),
    );
    for (const secret of secrets)
      for (const text of texts) assert.ok(!text.includes(secret), 'a secret leaked');
  });

  it('answered only with frames that validate against the IANA schemas', async () => {
    const verdicts = await validateEppFrameDir(frameLogDir);
    const invalid = verdicts.filter((v) => !v.valid && !deliberatelyInvalid.has(v.file));
    assert.deepEqual(invalid, [], invalid.map((v) => `${v.file}: ${v.errors}`).join('\n'));
    assert.equal(deliberatelyInvalid.size, 3);
    for (const file of deliberatelyInvalid)
      assert.equal(verdicts.find((v) => v.file === file)?.valid, false, file);
  });
});

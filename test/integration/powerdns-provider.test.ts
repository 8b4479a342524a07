import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { queryRrset } from '../../activities/dns/query';
import { PowerDnsClient } from '../../activities/powerdns/client';
import { recordTypeSpec } from '../../src/dns/record-types';
import { FailureType } from '../../src/failures';
import type { RRset } from '../../src/plan/plan';
import { testEnv } from '../helpers/env';
import { createTestZone } from '../helpers/zones';

/**
 * The provider adapter against a real PowerDNS: what we write is what the API reads back and what
 * the DNS server answers, in the same canonical form the planner compares.
 */
describe('PowerDNS adapter (real PowerDNS)', () => {
  const env = testEnv();
  const pdns = new PowerDnsClient(env.pdns);
  let zone: string;
  before(async () => {
    zone = await createTestZone(pdns, `provider-${Math.random().toString(36).slice(2, 8)}`);
  });

  const canonical = (type: string, inputs: string[]) =>
    inputs
      .map((i) => {
        const parsed = recordTypeSpec(type).parse(i);
        assert.ok(parsed.ok, `${type} ${i}`);
        return parsed.content;
      })
      .sort();

  const ecKey = 'mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==';
  const cases: { type: string; label: string; inputs: string[] }[] = [
    { type: 'A', label: 'a', inputs: ['192.0.2.1', '192.0.2.2'] },
    { type: 'AAAA', label: 'aaaa', inputs: ['2001:DB8:0:0:0:0:0:1', '2001:db8::ff'] },
    { type: 'CNAME', label: 'cname', inputs: ['Target.Example.net'] },
    { type: 'MX', label: 'mx', inputs: ['10 mail.example.net', '0 .'] },
    {
      type: 'TXT',
      label: 'txt',
      inputs: ['v=spf1 include:_spf.example.net -all', 'x'.repeat(300), 'say "hi" \\ there'],
    },
    {
      type: 'CAA',
      label: 'caa',
      inputs: ['0 issue letsencrypt.org', '128 iodef "mailto:security@example.net"'],
    },
    { type: 'SRV', label: '_sip._tcp', inputs: ['10 5 5060 sip.example.net.'] },
    { type: 'NS', label: 'child', inputs: ['ns1.example.net.', 'ns2.example.net.'] },
    {
      type: 'DS',
      label: 'signed',
      inputs: [
        '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118',
        '12345 13 2 4e0abb2a7f7bf4e0e2a3e0b54b6f2b4f 5e0e7a36c7b0f1a7b5c9d5e6f7a8b9c0',
      ],
    },
    {
      type: 'DNSKEY',
      label: '', // the apex: a zone's own keys
      inputs: [`257 3 13 ${ecKey}`, `256 3 13 ${ecKey.slice(0, 44)} ${ecKey.slice(44)}`],
    },
    {
      type: 'CDS',
      label: 'keys',
      inputs: ['60485 13 2 2bb183af5f22588179a53b0a98631fad1a2921182bb183af5f22588179a53b0a'],
    },
    { type: 'CDNSKEY', label: 'keys', inputs: [`257 3 13 ${ecKey}`] },
    { type: 'PTR', label: '10.2.0', inputs: ['Host.Example.net'] },
    { type: 'DNAME', label: 'moved', inputs: ['example.org'] },
    {
      type: 'TLSA',
      label: '_443._tcp',
      inputs: ['3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6'],
    },
    {
      type: 'SSHFP',
      label: 'ssh',
      inputs: [
        '4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789',
        '1 1 dd465c09cfa51fb45020cc83316fff21b9ec74ac',
      ],
    },
    {
      type: 'NAPTR',
      label: 'sip',
      inputs: [
        '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.',
        '10 0 "u" "E2U+sip" "!^\\\\+1(.*)$!sip:\\\\1@example.com!" .',
      ],
    },
    {
      type: 'HTTPS',
      label: 'web',
      inputs: [
        '1 . port=8443 alpn=h2,h3 ipv6hint=2001:DB8::1 ipv4hint=192.0.2.1',
        '2 alt.example.net. mandatory=port,alpn alpn=h2 port=443 no-default-alpn',
      ],
    },
    {
      type: 'SVCB',
      label: '_dns',
      inputs: ['0 svc.example.net.', '2 svc3.example.net. port=53 mandatory=port ech=AEX+DQBB'],
    },
  ];

  for (const c of cases) {
    it(`${c.type}: write, read back through the API and over DNS in canonical form`, async () => {
      const name = c.label === '' ? zone : `${c.label}.${zone}`;
      const rrset: RRset = { name, type: c.type, ttl: 600, records: canonical(c.type, c.inputs) };
      await pdns.writeRrset(zone, name, c.type, rrset);
      assert.deepEqual(await pdns.getRrset(zone, name, c.type), rrset);
      const answer = await queryRrset(env.dns, name, c.type);
      // NS below the apex is a delegation: the server refers (NS in the authority section) instead of answering.
      assert.equal(answer.referral, c.type === 'NS');
      assert.equal(answer.authoritative, c.type !== 'NS');
      assert.deepEqual(answer.rrset, rrset);
      await pdns.writeRrset(zone, name, c.type, null);
      assert.equal(await pdns.getRrset(zone, name, c.type), null);
      assert.equal((await queryRrset(env.dns, name, c.type)).rrset, null);
    });
  }

  it('reports a missing zone as ZoneNotFound (final)', async () => {
    await assert.rejects(pdns.getRrset('absent-zone.test.', 'www.absent-zone.test.', 'A'), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, FailureType.ZoneNotFound);
      assert.equal(err.nonRetryable, true);
      return true;
    });
  });

  it('reports data PowerDNS refuses as ProviderRejected (final), and writes nothing', async () => {
    const name = `www.${zone}`;
    await assert.rejects(
      pdns.writeRrset(zone, name, 'CNAME', {
        name,
        type: 'CNAME',
        ttl: 300,
        records: ['other.example.net.'],
      }),
      (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.type, FailureType.ProviderRejected);
        return true;
      },
    );
    assert.deepEqual((await pdns.getRrset(zone, name, 'A'))?.records, ['192.0.2.10']);
  });

  it('reports a wrong API key as ProviderMisconfigured without echoing the key', async () => {
    const wrongKey = 'not-the-key-0123456789';
    const wrong = new PowerDnsClient({ apiUrl: env.pdns.apiUrl, apiKey: wrongKey });
    await assert.rejects(wrong.getRrset(zone, `www.${zone}`, 'A'), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, FailureType.ProviderMisconfigured);
      assert.equal(err.message.includes(wrongKey), false);
      assert.equal(err.message.includes(env.pdns.apiKey), false);
      return true;
    });
  });

  it('refuses an API key that is not a valid header value, without echoing it', () => {
    const bad = 'line-one\nline-two-secret';
    assert.throws(
      () => new PowerDnsClient({ apiUrl: env.pdns.apiUrl, apiKey: bad }),
      (err: Error) => /printable ASCII/.test(err.message) && !err.message.includes('line-two-secret'),
    );
  });

  it('reports an unreachable API as ProviderUnavailable (retryable)', async () => {
    const down = new PowerDnsClient({ apiUrl: 'http://127.0.0.1:1', apiKey: 'x'.repeat(16) });
    await assert.rejects(down.getRrset(zone, `www.${zone}`, 'A'), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, FailureType.ProviderUnavailable);
      assert.equal(err.nonRetryable, false);
      return true;
    });
  });
});

describe('zone record counts (real PowerDNS)', () => {
  const env = testEnv();

  /** Counts the whole-zone reads the client makes while `fn` runs (GET of the zone itself, no query). */
  async function fullReads<T>(zone: string, fn: () => Promise<T>): Promise<{ value: T; reads: number }> {
    const original = globalThis.fetch;
    let reads = 0;
    const whole = `/zones/${encodeURIComponent(zone)}`;
    globalThis.fetch = (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if ((init?.method ?? 'GET') === 'GET' && url.endsWith(whole)) reads += 1;
      return original(input, init);
    };
    try {
      return { value: await fn(), reads };
    } finally {
      globalThis.fetch = original;
    }
  }

  it('reuses a count while the serial stands, and counts again after every API write', async () => {
    const pdns = new PowerDnsClient(env.pdns);
    const zone = await createTestZone(pdns, `count-${Math.random().toString(36).slice(2, 8)}`);
    const first = await fullReads(zone, () => pdns.countRecords(zone));
    assert.equal(first.reads, 1);
    const again = await fullReads(zone, () => pdns.countRecords(zone));
    assert.deepEqual(again, { value: first.value, reads: 0 });
    await pdns.writeRrset(zone, `new.${zone}`, 'A', {
      name: `new.${zone}`,
      type: 'A',
      ttl: 300,
      records: ['192.0.2.1', '192.0.2.2'],
    });
    const after = await fullReads(zone, () => pdns.countRecords(zone));
    assert.deepEqual(after, { value: first.value + 2, reads: 1 });
  });

  it('counts a zone whose serial does not follow API writes every time', async () => {
    const pdns = new PowerDnsClient(env.pdns);
    const zone = await createTestZone(pdns, `count-nosoa-${Math.random().toString(36).slice(2, 8)}`);
    const response = await fetch(
      `${env.pdns.apiUrl.replace(/\/$/, '')}/api/v1/servers/localhost/zones/${encodeURIComponent(zone)}`,
      {
        method: 'PUT',
        headers: { 'X-API-Key': env.pdns.apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify({ soa_edit_api: '' }),
      },
    );
    assert.ok(response.ok, `PUT soa_edit_api: ${response.status}`);
    const first = await fullReads(zone, () => pdns.countRecords(zone));
    const again = await fullReads(zone, () => pdns.countRecords(zone));
    assert.deepEqual(again, { value: first.value, reads: 1 });
    await pdns.writeRrset(zone, `new.${zone}`, 'A', {
      name: `new.${zone}`,
      type: 'A',
      ttl: 300,
      records: ['192.0.2.1'],
    });
    assert.equal(await pdns.countRecords(zone), first.value + 1);
  });
});

describe('write stamps (real PowerDNS)', () => {
  const env = testEnv();
  const pdns = new PowerDnsClient(env.pdns);
  const api = async (method: string, zone: string, body?: unknown, query = '') => {
    const response = await fetch(
      `${env.pdns.apiUrl}/api/v1/servers/localhost/zones/${encodeURIComponent(zone)}${query}`,
      {
        method,
        headers: { 'X-API-Key': env.pdns.apiKey, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      },
    );
    assert.ok(response.ok, `${method} ${zone}: ${response.status} ${await response.clone().text()}`);
    const text = await response.text();
    return text === ''
      ? undefined
      : (JSON.parse(text) as {
          rrsets: { name: string; type: string; comments: { content: string; account: string }[] }[];
        });
  };
  const commentsOf = async (zone: string, name: string) =>
    (await api('GET', zone, undefined, `?rrset_name=${encodeURIComponent(name)}&rrset_type=A`))?.rrsets.find(
      (r) => r.name === name && r.type === 'A',
    )?.comments ?? [];

  it("leaves the write's stamp in the same PATCH, replaces only countersign's own, keeps people's comments", async () => {
    const zone = await createTestZone(pdns, `stamps-${Math.random().toString(36).slice(2, 8)}`);
    const name = `www.${zone}`;
    // A person's note on the RRset, as PowerDNS-Admin would leave it.
    await api('PATCH', zone, {
      rrsets: [
        {
          name,
          type: 'A',
          changetype: 'REPLACE',
          comments: [{ content: 'owned by web team', account: 'alice' }],
        },
      ],
    });
    const first: RRset = { name, type: 'A', ttl: 300, records: ['192.0.2.51'] };
    await pdns.writeRrset(zone, name, 'A', first, 'countersign CS-a-1 plan aa');
    assert.deepEqual(await pdns.getStampedRrset(zone, name, 'A'), {
      rrset: first,
      stamps: ['countersign CS-a-1 plan aa'],
    });

    const second: RRset = { ...first, records: ['192.0.2.52'] };
    await pdns.writeRrset(zone, name, 'A', second, 'countersign CS-b-4 plan bb');
    assert.deepEqual((await pdns.getStampedRrset(zone, name, 'A')).stamps, ['countersign CS-b-4 plan bb']);
    assert.deepEqual((await commentsOf(zone, name)).map((c) => `${c.account}: ${c.content}`).sort(), [
      'alice: owned by web team',
      'countersign: countersign CS-b-4 plan bb',
    ]);

    // A write by anyone else (no comments given) leaves the comments as they were: the stamp says
    // who wrote last through countersign, and a retry checks it together with the records.
    await pdns.writeRrset(zone, name, 'A', { ...first, records: ['192.0.2.53'] });
    assert.deepEqual(await pdns.getStampedRrset(zone, name, 'A'), {
      rrset: { ...first, records: ['192.0.2.53'] },
      stamps: ['countersign CS-b-4 plan bb'],
    });

    // A deleted RRset keeps nothing, comments included.
    await pdns.writeRrset(zone, name, 'A', null, 'countersign CS-c-1 plan cc');
    assert.deepEqual(await pdns.getStampedRrset(zone, name, 'A'), { rrset: null, stamps: [] });
  });
});

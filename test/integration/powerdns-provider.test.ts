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
  ];

  for (const c of cases) {
    it(`${c.type}: write, read back through the API and over DNS in canonical form`, async () => {
      const name = `${c.label}.${zone}`;
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

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { RRset } from '../../src/plan/plan';
import { demoZoneRrsets } from '../../workers/demo/seed';
import { octodnsValue, octodnsZone, relativeName, renderOctodnsZone } from '../../bench/peers/zone-file';
import { renderDnsconfig } from '../../bench/peers/dnscontrol';
import { hostsFor, seededRecords } from '../../bench/peers/peer-bench';

const zone = 'example.test.';
const rr = (name: string, type: string, ttl: number, records: string[]): RRset => ({
  name,
  type,
  ttl,
  records,
});

describe('relativeName', () => {
  const cases = [
    { name: 'example.test.', expected: '' },
    { name: 'www.example.test.', expected: 'www' },
    { name: 'www.example.test', expected: 'www' },
    { name: '_sip._tcp.example.test.', expected: '_sip._tcp' },
    { name: 'a.b.c.example.test.', expected: 'a.b.c' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${JSON.stringify(c.expected)}`, () =>
      assert.equal(relativeName(c.name, zone), c.expected));
  }
  for (const outside of ['example.org.', 'notexample.test.', 'test.']) {
    it(`refuses ${outside}, outside the zone`, () =>
      assert.throws(() => relativeName(outside, zone), /not inside/));
  }
});

describe('octodnsValue: one PowerDNS content as octodns-powerdns reads it', () => {
  const cases: { type: string; content: string; expected: unknown }[] = [
    { type: 'A', content: '192.0.2.1', expected: '192.0.2.1' },
    { type: 'AAAA', content: '2001:db8::1', expected: '2001:db8::1' },
    { type: 'CNAME', content: 'host0010.example.test.', expected: 'host0010.example.test.' },
    { type: 'NS', content: 'ns1.example.test.', expected: 'ns1.example.test.' },
    {
      type: 'MX',
      content: '10 mx1.example.test.',
      expected: { preference: 10, exchange: 'mx1.example.test.' },
    },
    {
      type: 'SRV',
      content: '10 5 5060 sip.example.test.',
      expected: { priority: 10, weight: 5, port: 5060, target: 'sip.example.test.' },
    },
    {
      type: 'CAA',
      content: '0 issue "letsencrypt.org"',
      expected: { flags: 0, tag: 'issue', value: 'letsencrypt.org' },
    },
    {
      type: 'CAA',
      content: '128 iodef "mailto:security@example.test"',
      expected: { flags: 128, tag: 'iodef', value: 'mailto:security@example.test' },
    },
    { type: 'TXT', content: '"v=spf1 mx -all"', expected: 'v=spf1 mx -all' },
    // octoDNS refuses unescaped semicolons; octodns-powerdns escapes them when it reads PowerDNS.
    { type: 'TXT', content: '"v=DMARC1; p=reject"', expected: 'v=DMARC1\\; p=reject' },
    { type: 'TXT', content: '"a;;b\\;c"', expected: 'a\\;\\;b\\;c' },
  ];
  for (const c of cases) {
    it(`${c.type} ${c.content}`, () => assert.deepEqual(octodnsValue(c.type, c.content), c.expected));
  }
  const bad = [
    { type: 'MX', content: 'mx1.example.test.', problem: /fewer than 2 fields/ },
    { type: 'MX', content: 'ten mx1.example.test.', problem: /not an unsigned integer/ },
    { type: 'SRV', content: '10 5 sip.example.test.', problem: /fewer than 4 fields/ },
    { type: 'TXT', content: 'unquoted', problem: /not a quoted string/ },
    { type: 'DS', content: '1 13 2 abcd', problem: /does not render DS/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.type} ${c.content}`, () =>
      assert.throws(() => octodnsValue(c.type, c.content), c.problem));
  }
});

describe('octodnsZone: records grouped by relative name', () => {
  const cases: { case: string; rrsets: RRset[]; expected: unknown }[] = [
    {
      case: 'one A at a host, single value',
      rrsets: [rr('www.example.test.', 'A', 300, ['192.0.2.10'])],
      expected: { www: { type: 'A', ttl: 300, value: '192.0.2.10' } },
    },
    {
      case: 'several values become a list',
      rrsets: [rr('www.example.test.', 'A', 300, ['192.0.2.10', '192.0.2.11'])],
      expected: { www: { type: 'A', ttl: 300, values: ['192.0.2.10', '192.0.2.11'] } },
    },
    {
      case: 'several types at the apex become a list of records, SOA left out',
      rrsets: [
        rr('example.test.', 'SOA', 3600, [
          'a.misconfigured.dns.server.invalid. hostmaster.example.test. 1 10800 3600 604800 3600',
        ]),
        rr('example.test.', 'A', 3600, ['192.0.2.1']),
        rr('example.test.', 'NS', 3600, ['ns1.example.test.', 'ns2.example.test.']),
        rr('example.test.', 'MX', 3600, ['10 mx1.example.test.', '20 mx2.example.test.']),
      ],
      expected: {
        '': [
          { type: 'A', ttl: 3600, value: '192.0.2.1' },
          { type: 'NS', ttl: 3600, values: ['ns1.example.test.', 'ns2.example.test.'] },
          {
            type: 'MX',
            ttl: 3600,
            values: [
              { preference: 10, exchange: 'mx1.example.test.' },
              { preference: 20, exchange: 'mx2.example.test.' },
            ],
          },
        ],
      },
    },
    {
      case: 'CNAME, SRV, CAA and TXT',
      rrsets: [
        rr('alias0010.example.test.', 'CNAME', 3600, ['host0010.example.test.']),
        rr('_sip._tcp.example.test.', 'SRV', 3600, ['10 5 5060 sip.example.test.']),
        rr('example.test.', 'CAA', 3600, ['0 issue "letsencrypt.org"']),
        rr('_dmarc.example.test.', 'TXT', 3600, ['"v=DMARC1; p=reject"']),
      ],
      expected: {
        alias0010: { type: 'CNAME', ttl: 3600, value: 'host0010.example.test.' },
        '_sip._tcp': {
          type: 'SRV',
          ttl: 3600,
          value: { priority: 10, weight: 5, port: 5060, target: 'sip.example.test.' },
        },
        '': { type: 'CAA', ttl: 3600, value: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } },
        _dmarc: { type: 'TXT', ttl: 3600, value: 'v=DMARC1\\; p=reject' },
      },
    },
    {
      case: 'a delegation (NS below the apex)',
      rrsets: [rr('sub.example.test.', 'NS', 86400, ['ns.other.test.'])],
      expected: { sub: { type: 'NS', ttl: 86400, value: 'ns.other.test.' } },
    },
  ];
  for (const c of cases) {
    it(c.case, () => {
      assert.deepEqual(octodnsZone(zone, c.rrsets), c.expected);
      // The YAML text says the same (octoDNS reads the text, not our objects).
      const text = renderOctodnsZone(zone, c.rrsets);
      assert.match(text, /^---\n/);
      assert.deepEqual(parse(text), c.expected);
    });
  }

  const bad = [
    {
      case: 'a name outside the zone',
      rrsets: [rr('www.example.org.', 'A', 300, ['192.0.2.1'])],
      problem: /not inside/,
    },
    {
      case: 'the same RRset twice',
      rrsets: [
        rr('www.example.test.', 'A', 300, ['192.0.2.1']),
        rr('www.example.test.', 'A', 60, ['192.0.2.2']),
      ],
      problem: /appears twice/,
    },
    {
      case: 'a CNAME with two targets',
      rrsets: [rr('a.example.test.', 'CNAME', 300, ['b.', 'c.'])],
      problem: /exactly one/,
    },
    { case: 'an empty RRset', rrsets: [rr('a.example.test.', 'A', 300, [])], problem: /no records/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.case}`, () => assert.throws(() => octodnsZone(zone, c.rrsets), c.problem));
  }

  it('renders the benchmark zone: every seeded RRset, one key per name', () => {
    const rrsets = demoZoneRrsets(zone, 30);
    const parsed = parse(renderOctodnsZone(zone, rrsets)) as Record<string, unknown>;
    const names = new Set(rrsets.map((r) => relativeName(r.name, zone)));
    assert.deepEqual(new Set(Object.keys(parsed)), names);
    assert.deepEqual(parsed.host0007, { type: 'A', ttl: 3600, value: '10.0.7.8' });
  });
});

describe('renderDnsconfig: the same zone for DNSControl', () => {
  const soa = rr('example.test.', 'SOA', 3600, [
    'a.misconfigured.dns.server.invalid. hostmaster.example.test. 7 10800 3600 604800 3600',
  ]);
  const cases: { case: string; rrsets: RRset[]; lines: string[] }[] = [
    {
      case: 'SOA declared (else DNSControl deletes it), apex NS with its TTL',
      rrsets: [soa, rr('example.test.', 'NS', 3600, ['ns1.example.test.', 'ns2.example.test.'])],
      lines: [
        'SOA("@", "a.misconfigured.dns.server.invalid.", "hostmaster.example.test.", 10800, 3600, 604800, 3600, TTL(3600)),',
        'NAMESERVER_TTL(3600),',
        'NAMESERVER("ns1.example.test."),',
        'NAMESERVER("ns2.example.test."),',
      ],
    },
    {
      case: 'one call per record, TTL on each',
      rrsets: [
        soa,
        rr('www.example.test.', 'A', 300, ['192.0.2.10', '192.0.2.11']),
        rr('example.test.', 'MX', 3600, ['10 mx1.example.test.']),
        rr('_sip._tcp.example.test.', 'SRV', 3600, ['10 5 5060 sip.example.test.']),
        rr('example.test.', 'CAA', 3600, ['0 issue "letsencrypt.org"', '128 iodef "mailto:x@example.test"']),
        rr('_dmarc.example.test.', 'TXT', 3600, ['"v=DMARC1; p=reject"']),
        rr('alias.example.test.', 'CNAME', 3600, ['www.example.test.']),
      ],
      lines: [
        'A("www", "192.0.2.10", TTL(300)),',
        'A("www", "192.0.2.11", TTL(300)),',
        'MX("@", 10, "mx1.example.test.", TTL(3600)),',
        'SRV("_sip._tcp", 10, 5, 5060, "sip.example.test.", TTL(3600)),',
        'CAA("@", "issue", "letsencrypt.org", TTL(3600)),',
        'CAA("@", "iodef", "mailto:x@example.test", CAA_CRITICAL, TTL(3600)),',
        'TXT("_dmarc", "v=DMARC1; p=reject", TTL(3600)),',
        'CNAME("alias", "www.example.test.", TTL(3600)),',
      ],
    },
  ];
  for (const c of cases) {
    it(c.case, () => {
      const text = renderDnsconfig(zone, c.rrsets);
      assert.match(text, /^D\("example\.test", REG_NONE, DnsProvider\(DSP_PDNS\),$/m);
      for (const line of c.lines) assert.ok(text.includes(`\n  ${line}\n`), `missing line: ${line}\n${text}`);
    });
  }
  it('refuses a zone without its SOA', () => {
    assert.throws(() => renderDnsconfig(zone, [rr('www.example.test.', 'A', 300, ['192.0.2.1'])]), /no SOA/);
  });
});

describe('hostsFor: hosts that seed a zone of about N records', () => {
  const cases = [
    { records: 100, min: 3, hosts: 75, seeded: 100 },
    { records: 1_000, min: 3, hosts: 893, seeded: 1_000 },
    { records: 10_000, min: 3, hosts: 9_075, seeded: 10_000 },
    { records: 100_000, min: 3, hosts: 90_893, seeded: 100_000 },
    { records: 20, min: 9, hosts: 9, seeded: 27 },
  ];
  for (const c of cases) {
    it(`${c.records} records → ${c.hosts} hosts`, () => {
      assert.equal(hostsFor(c.records, c.min), c.hosts);
      assert.equal(seededRecords(c.hosts), c.seeded);
    });
  }
  it('seededRecords matches what demoZoneRrsets holds, plus SOA and two NS', () => {
    for (const hosts of [0, 9, 10, 95]) {
      const rrsets = demoZoneRrsets(zone, hosts);
      assert.equal(rrsets.reduce((n, r) => n + r.records.length, 0) + 3, seededRecords(hosts));
    }
  });
});

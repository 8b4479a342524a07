import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recordTypeNames, recordTypeSpec, recordTypes } from '../../src/dns/record-types';
import { formatCharacterStrings, parseCharacterStrings, splitPlainText, totalBytes } from '../../src/dns/txt';

interface ValidCase {
  readonly type: string;
  readonly input: string;
  readonly content: string;
  readonly note?: string;
}

interface InvalidCase {
  readonly type: string;
  readonly input: string;
  readonly why: string;
  /** Substring of `problem`, when the parser explains itself. */
  readonly problem?: string;
}

const x = (n: number) => 'x'.repeat(n);
const q = (s: string) => `"${s}"`;

const valid: readonly ValidCase[] = [
  // A
  { type: 'A', input: '192.0.2.10', content: '192.0.2.10' },
  { type: 'A', input: '  192.0.2.10 ', content: '192.0.2.10', note: 'surrounding space trimmed' },
  { type: 'A', input: '0.0.0.0', content: '0.0.0.0' },
  { type: 'A', input: '255.255.255.255', content: '255.255.255.255' },
  { type: 'A', input: '10.0.0.0', content: '10.0.0.0', note: 'a lone 0 octet is not a leading zero' },
  // AAAA
  { type: 'AAAA', input: '2001:DB8:0:0:0:0:0:1', content: '2001:db8::1' },
  { type: 'AAAA', input: '2001:0db8:0000:0000:0000:0000:0000:0010', content: '2001:db8::10' },
  {
    type: 'AAAA',
    input: '2001:db8:0:0:1:0:0:1',
    content: '2001:db8::1:0:0:1',
    note: 'first longest zero run',
  },
  {
    type: 'AAAA',
    input: '2001:db8:0:1:1:1:1:1',
    content: '2001:db8:0:1:1:1:1:1',
    note: 'single 0 not shortened',
  },
  { type: 'AAAA', input: '::1', content: '::1' },
  { type: 'AAAA', input: '::', content: '::' },
  { type: 'AAAA', input: ' fe80::1 ', content: 'fe80::1' },
  // CNAME
  { type: 'CNAME', input: 'Target.Example.NET', content: 'target.example.net.' },
  { type: 'CNAME', input: 'target.example.net.', content: 'target.example.net.' },
  { type: 'CNAME', input: '_acme-challenge.example.net', content: '_acme-challenge.example.net.' },
  // NS
  { type: 'NS', input: 'NS1.Example.com', content: 'ns1.example.com.' },
  { type: 'NS', input: ' ns2.example.com. ', content: 'ns2.example.com.' },
  // MX
  { type: 'MX', input: '10 Mail.Example.com', content: '10 mail.example.com.' },
  { type: 'MX', input: '0 .', content: '0 .', note: 'null MX (RFC 7505)' },
  { type: 'MX', input: '65535 mx.example.com.', content: '65535 mx.example.com.' },
  { type: 'MX', input: '  5    mx.example.com  ', content: '5 mx.example.com.' },
  { type: 'MX', input: '010 mx.example.com', content: '10 mx.example.com.', note: 'leading zero in number' },
  // TXT
  { type: 'TXT', input: 'v=spf1 -all', content: '"v=spf1 -all"', note: 'plain text is quoted' },
  { type: 'TXT', input: x(255), content: q(x(255)), note: '255 bytes fit one string' },
  { type: 'TXT', input: x(300), content: `${q(x(255))} ${q(x(45))}`, note: '300 bytes split 255 + 45' },
  {
    type: 'TXT',
    input: x(2048),
    content: [...Array(8).keys()].map(() => q(x(255))).join(' ') + ` ${q(x(8))}`,
  },
  { type: 'TXT', input: 'say "hi"', content: '"say \\"hi\\""', note: 'inner quotes escaped' },
  { type: 'TXT', input: 'back\\slash', content: '"back\\\\slash"', note: 'backslash escaped' },
  { type: 'TXT', input: 'tab\there', content: '"tab\\009here"', note: 'control byte as \\DDD' },
  { type: 'TXT', input: 'é', content: '"\\195\\169"', note: 'UTF-8 bytes as \\DDD' },
  { type: 'TXT', input: '"hello world"', content: '"hello world"', note: 'already quoted' },
  { type: 'TXT', input: '  "a"   "b"  ', content: '"a" "b"', note: 'several quoted strings' },
  { type: 'TXT', input: '"a"\t"b"', content: '"a" "b"' },
  { type: 'TXT', input: '"a\\"b"', content: '"a\\"b"', note: 'escaped quote kept escaped' },
  { type: 'TXT', input: '"\\065BC"', content: '"ABC"', note: 'printable \\DDD decoded' },
  { type: 'TXT', input: '"x\\y"', content: '"xy"', note: '\\X is X' },
  { type: 'TXT', input: '""', content: '""', note: 'empty string' },
  { type: 'TXT', input: q(x(255)), content: q(x(255)) },
  // CAA
  { type: 'CAA', input: '0 issue letsencrypt.org', content: '0 issue "letsencrypt.org"' },
  {
    type: 'CAA',
    input: '0 ISSUE "letsencrypt.org"',
    content: '0 issue "letsencrypt.org"',
    note: 'tag lowercased',
  },
  { type: 'CAA', input: '128 iodef "mailto:sec@example.com"', content: '128 iodef "mailto:sec@example.com"' },
  { type: 'CAA', input: '0 issuewild ";"', content: '0 issuewild ";"' },
  { type: 'CAA', input: '0 issue ""', content: '0 issue ""' },
  { type: 'CAA', input: '0 issue "a\\"b"', content: '0 issue "a\\"b"', note: 'escaped quote' },
  {
    type: 'CAA',
    input: '0 issue "ca\\059b"',
    content: '0 issue "ca;b"',
    note: 'regression: \\DDD decimal escapes are decoded (RFC 1035 5.1)',
  },
  // SRV
  { type: 'SRV', input: '10 5 5060 SIP.example.com', content: '10 5 5060 sip.example.com.' },
  { type: 'SRV', input: '0 0 0 .', content: '0 0 0 .', note: 'service not available' },
  { type: 'SRV', input: '65535 65535 65535 sip.example.com.', content: '65535 65535 65535 sip.example.com.' },
  // SOA
  {
    type: 'SOA',
    input: 'NS1.example.com hostmaster.example.com 2024010101 3600 600 604800 300',
    content: 'ns1.example.com. hostmaster.example.com. 2024010101 3600 600 604800 300',
  },
  {
    type: 'SOA',
    input: 'ns1.example.com. h.example.com. 4294967295 1 1 1 1',
    content: 'ns1.example.com. h.example.com. 4294967295 1 1 1 1',
  },
  // DNSSEC
  {
    type: 'DS',
    input: '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118',
    content: '60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118',
    note: 'hex lowercased',
  },
  {
    type: 'DS',
    input: '1 13 2 abababababababababababababababab cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd',
    content: '1 13 2 ababababababababababababababababcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd',
    note: 'spaces inside the digest joined',
  },
  { type: 'CDS', input: '0 0 0 00', content: '0 0 0 00', note: 'delete request (RFC 8078)' },
  {
    type: 'DNSKEY',
    input:
      '257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopK l+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==',
    content:
      '257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==',
    note: 'base64 joined',
  },
  { type: 'CDNSKEY', input: '0 3 0 AA==', content: '0 3 0 AA==', note: 'delete request (RFC 8078)' },
  // PTR, DNAME, TLSA, SSHFP, NAPTR, SVCB/HTTPS
  { type: 'PTR', input: 'Host.Example.com', content: 'host.example.com.' },
  { type: 'DNAME', input: 'example.org', content: 'example.org.' },
  {
    type: 'TLSA',
    input: '3 1 1 ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB',
    content: '3 1 1 abababababababababababababababababababababababababababababababab',
  },
  { type: 'TLSA', input: '2 0 0 3082', content: '2 0 0 3082', note: 'full certificate data, any length' },
  {
    type: 'SSHFP',
    input: '4 2 EfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEfEf',
    content: '4 2 efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef',
  },
  {
    type: 'NAPTR',
    input: '100 10 "S" "SIP+D2U" "" _sip._udp.Example.com',
    content: '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.',
  },
  {
    type: 'HTTPS',
    input: '1 . port=8443 alpn=h2,h3 ipv6hint=2001:DB8:0::1 ipv4hint=192.0.2.1',
    content: '1 . alpn=h2,h3 port=8443 ipv4hint=192.0.2.1 ipv6hint=2001:db8::1',
    note: 'parameters in key order, IPv6 in RFC 5952 form',
  },
  {
    type: 'SVCB',
    input: '2 svc.example.net. port=53 mandatory=port ech=AEX+DQBB',
    content: '2 svc.example.net. mandatory=port port=53 ech="AEX+DQBB"',
  },
  { type: 'SVCB', input: '0 svc.example.net', content: '0 svc.example.net.', note: 'alias mode' },
];

const invalid: readonly InvalidCase[] = [
  { type: 'DS', input: '60485 5 1 2bb183af', why: 'SHA-1 digest too short', problem: '20 bytes' },
  {
    type: 'DS',
    input: '60485 5 3 abababababababababababababababababababab',
    why: 'unknown digest type',
    problem: 'digest type 3',
  },
  { type: 'DS', input: '70000 5 1 abababababababababababababababababababab', why: 'key tag above 65535' },
  { type: 'DS', input: '60485 5 1 xyz0', why: 'not hex' },
  {
    type: 'DNSKEY',
    input:
      '257 2 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==',
    why: 'protocol not 3',
    problem: 'always 3',
  },
  { type: 'DNSKEY', input: '257 3 13 not*base64', why: 'not base64' },
  { type: 'PTR', input: '.', why: 'root is not a target' },
  { type: 'TLSA', input: '3 1 1 abcd', why: 'SHA-256 data too short', problem: '32 bytes' },
  {
    type: 'TLSA',
    input: '4 1 1 abababababababababababababababababababababababababababababababab',
    why: 'usage above 3',
  },
  {
    type: 'SSHFP',
    input: '5 2 abababababababababababababababababababababababababababababababab',
    why: 'unknown algorithm',
    problem: 'algorithm 5',
  },
  {
    type: 'SSHFP',
    input: '4 1 abababababababababababababababababababababababababababababababab',
    why: 'SHA-1 fingerprint of SHA-256 length',
    problem: '20 bytes',
  },
  {
    type: 'NAPTR',
    input: '10 0 "u!" "E2U+sip" "" .',
    why: 'flags not alphanumeric',
    problem: 'letters and digits',
  },
  {
    type: 'NAPTR',
    input: '10 0 "u" "E2U+sip" "!x!y!" host.example.com.',
    why: 'regexp and replacement both set',
    problem: 'exclude each other',
  },
  {
    type: 'HTTPS',
    input: '0 svc.example.net. port=443',
    why: 'alias mode with parameters',
    problem: 'alias mode',
  },
  { type: 'HTTPS', input: '1 . port=70000', why: 'port out of range', problem: 'port is 0-65535' },
  { type: 'HTTPS', input: '1 . mandatory=port', why: 'mandatory key not set', problem: 'does not set' },
  { type: 'SVCB', input: '1 . color=blue', why: 'unknown key', problem: 'unknown key color' },
  { type: 'SVCB', input: '1 . port=1 port=2', why: 'key twice', problem: 'twice' },
  // A
  { type: 'A', input: '01.2.3.4', why: 'leading zero (octal ambiguity)' },
  { type: 'A', input: '1.2.3.04', why: 'leading zero in last octet' },
  { type: 'A', input: '1.2.3', why: 'three parts' },
  { type: 'A', input: '1.2.3.4.5', why: 'five parts' },
  { type: 'A', input: '300.1.1.1', why: 'octet above 255' },
  { type: 'A', input: '256.0.0.1', why: 'octet 256' },
  { type: 'A', input: '0x7f.0.0.1', why: 'hex octet' },
  { type: 'A', input: '4294967295', why: 'single 32-bit number' },
  { type: 'A', input: '1..2.3', why: 'empty octet' },
  { type: 'A', input: '::1', why: 'an IPv6 address' },
  { type: 'A', input: '', why: 'empty' },
  // AAAA
  { type: 'AAAA', input: '2001:db8:::1', why: 'triple colon' },
  { type: 'AAAA', input: '2001:db8::1::2', why: 'two :: runs' },
  { type: 'AAAA', input: 'gggg::1', why: 'non-hex group' },
  { type: 'AAAA', input: '12345::1', why: 'group of five digits' },
  { type: 'AAAA', input: '1:2:3:4:5:6:7:8:9', why: 'nine groups' },
  { type: 'AAAA', input: '2001:db8::1%eth0', why: 'zone index' },
  { type: 'AAAA', input: '192.0.2.1', why: 'an IPv4 address' },
  // CNAME / NS
  { type: 'CNAME', input: '.', why: 'root is not a target' },
  { type: 'CNAME', input: '*.example.net', why: 'wildcard target' },
  { type: 'CNAME', input: 'bad-.example.net', why: 'label ends with hyphen' },
  { type: 'CNAME', input: 'two words', why: 'space' },
  { type: 'CNAME', input: 'a..example.net', why: 'empty label' },
  { type: 'NS', input: '.', why: 'root' },
  { type: 'NS', input: 'ns1.exämple.com', why: 'non-ASCII' },
  // MX
  { type: 'MX', input: 'mail.example.com', why: 'preference missing' },
  { type: 'MX', input: '10', why: 'exchange missing' },
  { type: 'MX', input: '65536 mx.example.com', why: 'preference above 65535' },
  { type: 'MX', input: '-1 mx.example.com', why: 'negative preference' },
  { type: 'MX', input: '10 mx.example.com extra', why: 'extra field' },
  { type: 'MX', input: '10 mx..example.com', why: 'bad exchange' },
  // TXT
  { type: 'TXT', input: x(2049), why: 'over 2048 bytes', problem: '2049 bytes' },
  { type: 'TXT', input: 'é'.repeat(1025), why: '2050 UTF-8 bytes', problem: '2050 bytes' },
  { type: 'TXT', input: '"unterminated', why: 'unterminated quote', problem: 'unterminated' },
  { type: 'TXT', input: '"a" b', why: 'text after quoted string', problem: 'outside quotes' },
  { type: 'TXT', input: '"\\300"', why: 'escape above 255', problem: 'not a byte' },
  { type: 'TXT', input: '"abc\\', why: 'dangling backslash', problem: 'dangling backslash' },
  { type: 'TXT', input: q(x(256)), why: 'quoted string over 255 bytes', problem: 'longer than 255' },
  {
    type: 'TXT',
    input: Array(9)
      .fill(q(x(255)))
      .join(' '),
    why: '9 x 255 quoted bytes',
    problem: '2295 bytes',
  },
  // CAA
  { type: 'CAA', input: '256 issue letsencrypt.org', why: 'flags above 255' },
  { type: 'CAA', input: '0 issue', why: 'value missing' },
  { type: 'CAA', input: '0 is-sue letsencrypt.org', why: 'tag not alphanumeric' },
  { type: 'CAA', input: '0 issue a b', why: 'unquoted value with space' },
  { type: 'CAA', input: 'issue letsencrypt.org', why: 'flags missing' },
  { type: 'CAA', input: `0 issue ${q(x(256))}`, why: 'value over 255', problem: 'longer than 255' },
  // SRV
  { type: 'SRV', input: '10 5 5060', why: 'target missing' },
  { type: 'SRV', input: '10 5 65536 sip.example.com', why: 'port above 65535' },
  { type: 'SRV', input: 'a 5 5060 sip.example.com', why: 'non-numeric priority' },
  { type: 'SRV', input: '10 5 5060 sip.example.com extra', why: 'extra field' },
  // SOA
  { type: 'SOA', input: 'ns1.example.com h.example.com 1 2 3 4', why: 'six fields' },
  { type: 'SOA', input: 'ns1.example.com h.example.com 4294967296 1 1 1 1', why: 'serial above 2^32-1' },
  { type: 'SOA', input: 'ns1..example.com h.example.com 1 1 1 1 1', why: 'bad mname' },
  { type: 'SOA', input: 'ns1.example.com h.example.com 1 1 x 1 1', why: 'non-numeric field' },
];

describe('record types: valid input → canonical content', () => {
  for (const c of valid) {
    const label = c.input.length > 50 ? `${c.input.slice(0, 20)}… (${c.input.length} chars)` : c.input;
    it(`${c.type} ${JSON.stringify(label)}${c.note === undefined ? '' : ` (${c.note})`}`, () => {
      assert.deepEqual(recordTypeSpec(c.type).parse(c.input), { ok: true, content: c.content });
    });
  }
});

describe('record types: canonical content is a fixed point', () => {
  for (const c of valid) {
    const label = c.content.length > 50 ? `${c.content.slice(0, 20)}…` : c.content;
    it(`${c.type} ${JSON.stringify(label)} parses to itself`, () => {
      assert.deepEqual(recordTypeSpec(c.type).parse(c.content), { ok: true, content: c.content });
    });
  }
});

describe('record types: invalid input → ok: false', () => {
  for (const c of invalid) {
    it(`${c.type} rejects ${c.why}`, () => {
      const result = recordTypeSpec(c.type).parse(c.input);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.ok(result.expected.length > 0, 'says what was expected');
      if (c.problem !== undefined) {
        assert.ok(result.problem !== undefined, 'has a problem description');
        assert.ok(
          result.problem.includes(c.problem),
          `problem ${JSON.stringify(result.problem)} mentions ${c.problem}`,
        );
      }
    });
  }
});

describe('record type properties', () => {
  const cases = [
    { type: 'A', singleton: false, exclusiveOwner: false, allowedAtApex: true },
    { type: 'AAAA', singleton: false, exclusiveOwner: false, allowedAtApex: true },
    { type: 'CNAME', singleton: true, exclusiveOwner: true, allowedAtApex: false },
    { type: 'NS', singleton: false, exclusiveOwner: false, allowedAtApex: true },
    { type: 'MX', singleton: false, exclusiveOwner: false, allowedAtApex: true },
    { type: 'TXT', singleton: false, exclusiveOwner: false, allowedAtApex: true },
    { type: 'CAA', singleton: false, exclusiveOwner: false, allowedAtApex: true },
    { type: 'SRV', singleton: false, exclusiveOwner: false, allowedAtApex: false },
    { type: 'SOA', singleton: true, exclusiveOwner: false, allowedAtApex: true },
  ];
  for (const c of cases) {
    it(`${c.type}: singleton ${c.singleton}, exclusive ${c.exclusiveOwner}, apex ${c.allowedAtApex}`, () => {
      const spec = recordTypeSpec(c.type);
      assert.equal(spec.type, c.type);
      assert.equal(spec.singleton, c.singleton);
      assert.equal(spec.exclusiveOwner, c.exclusiveOwner);
      assert.equal(spec.allowedAtApex, c.allowedAtApex);
    });
  }

  it('every listed type name has a spec and vice versa', () => {
    assert.deepEqual([...recordTypes.keys()].sort(), [...recordTypeNames].sort());
  });

  it('an unknown type throws', () => {
    assert.throws(() => recordTypeSpec('HINFO'), /unknown record type HINFO/);
  });
});

describe('txt helpers', () => {
  it('splitPlainText splits on 255-byte boundaries', () => {
    assert.deepEqual(
      splitPlainText(x(511)).map((s) => s.length),
      [255, 255, 1],
    );
  });

  it('splitPlainText of empty text is one empty string', () => {
    assert.deepEqual(splitPlainText(''), [[]]);
  });

  it('splitPlainText counts UTF-8 bytes, not characters', () => {
    assert.equal(totalBytes(splitPlainText('é€')), 5);
  });

  it('parseCharacterStrings reports input with no strings', () => {
    assert.equal(parseCharacterStrings('   '), 'no strings');
  });

  it('parseCharacterStrings and formatCharacterStrings round-trip bytes', () => {
    const strings = [[0x61, 0x22, 0x5c, 0x00, 0xff], [], [0x7e]];
    const text = formatCharacterStrings(strings);
    assert.equal(text, '"a\\"\\\\\\000\\255" "" "~"');
    assert.deepEqual(parseCharacterStrings(text), strings);
  });
});

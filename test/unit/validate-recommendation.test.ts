import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exampleRecommendation } from '../../src/examples';
import { formatIssue, formatIssues } from '../../src/issues';
import type { Change, Recommendation } from '../../src/schema/recommendation';
import {
  RecommendationValidationError,
  validateRecommendation,
} from '../../src/schema/validate-recommendation';
import { subjectOf } from '../../src/kinds/kinds';
import { remove, upsert } from './fixtures';

function base(change: Change = upsert('www.example.com', 'A', ['192.0.2.1'])): Recommendation {
  return exampleRecommendation({ id: 'rec-1', zone: 'example.com', environment: 'production', change });
}

/** The example with `patch` applied to one nested object (or the root). */
function withField(section: 'source' | 'target' | 'change' | null, patch: Record<string, unknown>): unknown {
  const rec = base() as unknown as Record<string, Record<string, unknown>>;
  if (section === null) return { ...rec, ...patch };
  return { ...rec, [section]: { ...rec[section], ...patch } };
}

function without(key: keyof Recommendation): unknown {
  const copy: Record<string, unknown> = { ...base() };
  delete copy[key];
  return copy;
}

describe('validateRecommendation: valid input', () => {
  const cases: { name: string; change: Change }[] = [
    { name: 'A upsert', change: upsert('www.example.com', 'A', ['192.0.2.1']) },
    { name: 'A at the apex', change: upsert('example.com', 'A', ['192.0.2.1']) },
    { name: 'wildcard A', change: upsert('*.example.com', 'A', ['192.0.2.1']) },
    { name: 'CNAME below the apex', change: upsert('www.example.com', 'CNAME', ['lb.example.net']) },
    { name: 'MX at the apex', change: upsert('example.com', 'MX', ['10 mx.example.com']) },
    { name: 'TXT with plain text', change: upsert('_dmarc.example.com', 'TXT', ['v=DMARC1; p=none']) },
    { name: 'SRV', change: upsert('_sip._tcp.example.com', 'SRV', ['10 5 5060 sip.example.com']) },
    { name: 'delete', change: remove('old.example.com', 'A') },
    { name: 'TTL at the minimum', change: upsert('www.example.com', 'A', ['192.0.2.1'], 30) },
    { name: 'TTL at the maximum', change: upsert('www.example.com', 'A', ['192.0.2.1'], 604800) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = validateRecommendation(base(c.change));
      assert.equal(result.ok, true, result.ok ? '' : formatIssues(result.issues));
    });
  }

  it('accepts confidence 0 and 1', () => {
    for (const confidence of [0, 1]) {
      assert.equal(validateRecommendation({ ...base(), confidence }).ok, true);
    }
  });

  it('accepts a 2048-byte TXT record', () => {
    const result = validateRecommendation(base(upsert('www.example.com', 'TXT', ['x'.repeat(2048)])));
    assert.equal(result.ok, true);
  });
});

interface InvalidCase {
  readonly name: string;
  readonly input: unknown;
  readonly code: string;
  readonly path: string;
  /** Substrings the formatted issue must contain: what was expected and what was received. */
  readonly mentions: readonly string[];
}

const invalid: readonly InvalidCase[] = [
  {
    name: 'not an object',
    input: null,
    code: 'invalid_type',
    path: '(root)',
    mentions: ['expected object', 'received null'],
  },
  {
    name: 'confidence of the wrong type',
    input: withField(null, { confidence: 'high' }),
    code: 'invalid_type',
    path: 'confidence',
    mentions: ['expected number', 'received "high"'],
  },
  {
    name: 'records of the wrong type',
    input: withField('change', { records: '192.0.2.1' }),
    code: 'invalid_type',
    path: 'change.records',
    mentions: ['expected array', 'received "192.0.2.1"'],
  },
  {
    name: 'missing rationale',
    input: without('rationale'),
    code: 'missing_field',
    path: 'rationale',
    mentions: ['required field is missing', 'expected string', 'received nothing'],
  },
  {
    name: 'missing source.agent',
    input: withField('source', { agent: undefined }),
    code: 'missing_field',
    path: 'source.agent',
    mentions: ['expected string', 'received nothing'],
  },
  {
    name: 'unknown top-level field',
    input: withField(null, { priority: 'urgent' }),
    code: 'unrecognized_keys',
    path: '(root)',
    mentions: ['unknown field "priority"', 'expected only the documented fields'],
  },
  {
    name: 'unknown field in change',
    input: withField('change', { weight: 10 }),
    code: 'unrecognized_keys',
    path: 'change',
    mentions: ['unknown field "weight"'],
  },
  {
    name: 'unknown field in source',
    input: withField('source', { temperature: 0.2 }),
    code: 'unrecognized_keys',
    path: 'source',
    mentions: ['unknown field "temperature"'],
  },
  {
    name: 'records on a delete',
    input: {
      ...base(remove('www.example.com', 'A')),
      change: { ...remove('www.example.com', 'A'), records: [] },
    },
    code: 'unrecognized_keys',
    path: 'change',
    mentions: ['unknown field "records"'],
  },
  {
    name: 'name outside the zone',
    input: withField('change', { name: 'www.example.org' }),
    code: 'name_outside_zone',
    path: 'change.name',
    mentions: ['expected a name ending in example.com.', 'received "www.example.org"'],
  },
  {
    name: 'name that only ends with the zone text',
    input: withField('change', { name: 'badexample.com' }),
    code: 'name_outside_zone',
    path: 'change.name',
    mentions: ['outside the target zone example.com.', 'received "badexample.com"'],
  },
  {
    name: 'IPv4 with a leading zero',
    input: withField('change', { records: ['01.2.3.4'] }),
    code: 'invalid_rdata',
    path: 'change.records[0]',
    mentions: ['not valid A data', 'expected an IPv4 address', 'received "01.2.3.4"'],
  },
  {
    name: 'IPv4 with three parts',
    input: withField('change', { records: ['192.0.2.1', '1.2.3'] }),
    code: 'invalid_rdata',
    path: 'change.records[1]',
    mentions: ['expected an IPv4 address', 'received "1.2.3"'],
  },
  {
    name: 'IPv4 octet above 255',
    input: withField('change', { records: ['300.1.1.1'] }),
    code: 'invalid_rdata',
    path: 'change.records[0]',
    mentions: ['expected an IPv4 address', 'received "300.1.1.1"'],
  },
  {
    name: 'invalid IPv6',
    input: withField('change', { type: 'AAAA', records: ['2001:db8::1::2'] }),
    code: 'invalid_rdata',
    path: 'change.records[0]',
    mentions: ['not valid AAAA data', 'expected an IPv6 address', 'received "2001:db8::1::2"'],
  },
  {
    name: 'TXT over 2048 bytes',
    input: withField('change', { type: 'TXT', records: ['x'.repeat(2049)] }),
    code: 'invalid_rdata',
    path: 'change.records[0]',
    mentions: ['not valid TXT data: 2049 bytes', 'expected text of at most 2048 bytes', '(2049 characters)'],
  },
  {
    name: 'TTL below 30',
    input: withField('change', { ttl: 29 }),
    code: 'too_small',
    path: 'change.ttl',
    mentions: ['>=30', 'received 29'],
  },
  {
    name: 'TTL above 604800',
    input: withField('change', { ttl: 604801 }),
    code: 'too_big',
    path: 'change.ttl',
    mentions: ['<=604800', 'received 604801'],
  },
  {
    name: 'non-integer TTL',
    input: withField('change', { ttl: 300.5 }),
    code: 'invalid_type',
    path: 'change.ttl',
    mentions: ['expected int', 'received 300.5'],
  },
  {
    name: 'confidence above 1',
    input: withField(null, { confidence: 1.2 }),
    code: 'too_big',
    path: 'confidence',
    mentions: ['<=1', 'received 1.2'],
  },
  {
    name: 'negative confidence',
    input: withField(null, { confidence: -0.1 }),
    code: 'too_small',
    path: 'confidence',
    mentions: ['>=0', 'received -0.1'],
  },
  {
    name: 'DNSKEY below the apex',
    input: withField('change', {
      name: 'keys.example.com.',
      type: 'DNSKEY',
      records: [
        '257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==',
      ],
    }),
    code: 'type_only_at_apex',
    path: 'change.name',
    mentions: ['DNSKEY belongs at the zone apex', 'received "keys.example.com."'],
  },
  {
    name: 'DS with a short digest',
    input: withField('change', { name: 'child.example.com.', type: 'DS', records: ['60485 13 2 2bb1'] }),
    code: 'invalid_rdata',
    path: 'change.records[0]',
    mentions: ['not valid DS data', '32 bytes'],
  },
  {
    name: 'CNAME at the apex',
    input: withField('change', { name: 'example.com.', type: 'CNAME', records: ['lb.example.net'] }),
    code: 'type_not_allowed_at_apex',
    path: 'change.type',
    mentions: [
      'CNAME is not allowed at the zone apex',
      'expected a name below the apex',
      'received "example.com."',
    ],
  },
  {
    name: 'CNAME with two records',
    input: withField('change', { type: 'CNAME', records: ['a.example.net', 'b.example.net'] }),
    code: 'too_many_records',
    path: 'change.records',
    mentions: ['CNAME holds exactly one record', 'expected 1 record', 'received 2 records'],
  },
  {
    name: 'non-ASCII name',
    input: withField('change', { name: 'bücher.example.com' }),
    code: 'invalid_name',
    path: 'change.name',
    mentions: ['punycode', 'expected a domain name', 'received "bücher.example.com"'],
  },
  {
    name: 'name with an empty label',
    input: withField('change', { name: 'www..example.com' }),
    code: 'invalid_name',
    path: 'change.name',
    mentions: ['empty label', 'received "www..example.com"'],
  },
  {
    name: 'invalid zone',
    input: withField('target', { zone: 'exa mple.com' }),
    code: 'invalid_zone',
    path: 'target.zone',
    mentions: ['expected a zone apex', 'received "exa mple.com"'],
  },
  {
    name: 'bad environment',
    input: withField('target', { environment: 'prod' }),
    code: 'invalid_value',
    path: 'target.environment',
    mentions: ['"production"|"staging"|"development"', 'received "prod"'],
  },
  {
    name: 'unknown record type',
    input: withField('change', { type: 'HINFO' }),
    code: 'invalid_value',
    path: 'change.type',
    mentions: ['"A"', 'received "HINFO"'],
  },
  {
    name: 'unknown change kind',
    input: withField('change', { kind: 'dns.rename' }),
    code: 'invalid_union',
    path: 'change.kind',
    mentions: ['dns.upsert_rrset', 'received "dns.rename"'],
  },
  {
    name: 'malformed requestedAt',
    input: withField(null, { requestedAt: '2026-11-20 10:05' }),
    code: 'invalid_format',
    path: 'requestedAt',
    mentions: ['ISO datetime', 'received "2026-11-20 10:05"'],
  },
  {
    name: 'malformed evidence timestamp',
    input: { ...base(), evidence: [{ ...base().evidence[0], observedAt: 'yesterday' }] },
    code: 'invalid_format',
    path: 'evidence[0].observedAt',
    mentions: ['received "yesterday"'],
  },
  {
    name: 'bad id',
    input: withField(null, { id: '-starts-with-hyphen' }),
    code: 'invalid_format',
    path: 'id',
    mentions: ['starting with a letter or digit', 'received "-starts-with-hyphen"'],
  },
  {
    name: 'blank rationale',
    input: withField(null, { rationale: '   ' }),
    code: 'too_small',
    path: 'rationale',
    mentions: ['received "   "'],
  },
  {
    name: 'no records',
    input: withField('change', { records: [] }),
    code: 'too_small',
    path: 'change.records',
    mentions: ['>=1', 'received an array of 0'],
  },
];

describe('validateRecommendation: invalid input', () => {
  for (const c of invalid) {
    it(`${c.name} → ${c.code} at ${c.path}`, () => {
      const result = validateRecommendation(c.input);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.issues.length, 1, formatIssues(result.issues));
      const issue = result.issues[0]!;
      assert.equal(issue.code, c.code);
      assert.equal(issue.path, c.path);
      const text = formatIssue(issue);
      for (const m of c.mentions) assert.ok(text.includes(m), `${JSON.stringify(text)} should mention ${m}`);
    });
  }

  it('reports every bad record, each at its own index', () => {
    const result = validateRecommendation(
      withField('change', { records: ['192.0.2.1', '01.2.3.4', '192.0.2.2', '1.2.3', '300.1.1.1'] }),
    );
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.path]),
      [
        ['invalid_rdata', 'change.records[1]'],
        ['invalid_rdata', 'change.records[3]'],
        ['invalid_rdata', 'change.records[4]'],
      ],
    );
  });

  it('formats the whole error output for one bad input', () => {
    const input = {
      ...base(),
      confidence: 1.5,
      extra: true,
      target: { tenant: 'acme', environment: 'prod', zone: 'example.com' },
    };
    const result = validateRecommendation(input);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(
      formatIssues(result.issues),
      [
        '  - confidence: Too big: expected number to be <=1 (received 1.5)',
        '  - target.environment: Invalid option: expected one of "production"|"staging"|"development" (received "prod")',
        '  - (root): unknown field "extra" (expected only the documented fields)',
      ].join('\n'),
    );
  });

  it('formats semantic issues found after the schema passes', () => {
    const result = validateRecommendation(
      withField('change', { name: 'mail.example.org', records: ['192.0.2.1', '1.2.3'] }),
    );
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(
      formatIssues(result.issues),
      [
        '  - change.name: name is outside the target zone example.com. (expected a name ending in example.com., received "mail.example.org")',
        '  - change.records[1]: not valid A data (expected an IPv4 address in dotted-quad form such as 192.0.2.10, received "1.2.3")',
      ].join('\n'),
    );
  });

  it('RecommendationValidationError carries the issues and the formatted message', () => {
    const result = validateRecommendation(withField(null, { confidence: 2 }));
    assert.equal(result.ok, false);
    if (result.ok) return;
    const error = new RecommendationValidationError(result.issues);
    assert.equal(error.name, 'RecommendationValidationError');
    assert.deepEqual(error.issues, result.issues);
    assert.equal(error.message, `invalid recommendation:\n${formatIssues(result.issues)}`);
  });
});

describe('validateRecommendation: normalisation', () => {
  function normalised(input: unknown): Recommendation {
    const result = validateRecommendation(input);
    if (!result.ok) throw new Error(formatIssues(result.issues));
    return result.value;
  }

  it('lowercases names and makes them absolute', () => {
    const value = normalised({
      ...base(upsert('WWW.Example.COM', 'A', ['192.0.2.1'])),
      target: { ...base().target, zone: 'Example.COM' },
    });
    assert.equal(value.target.zone, 'example.com.');
    assert.equal(subjectOf(value).name, 'www.example.com.');
  });

  it('normalises a delete name too', () => {
    assert.equal(subjectOf(normalised(base(remove('Old.Example.com', 'A')))).name, 'old.example.com.');
  });

  const recordCases: { type: string; records: string[]; expected: string[] }[] = [
    { type: 'A', records: ['192.0.2.2', ' 192.0.2.1', '192.0.2.2'], expected: ['192.0.2.1', '192.0.2.2'] },
    {
      type: 'AAAA',
      records: ['2001:DB8:0:0:0:0:0:1', '2001:db8::1', '::1'],
      expected: ['2001:db8::1', '::1'],
    },
    {
      type: 'MX',
      records: ['20 B.example.com', '10 a.example.com.'],
      expected: ['10 a.example.com.', '20 b.example.com.'],
    },
    { type: 'TXT', records: ['hello', '"hello"', 'b'], expected: ['"b"', '"hello"'] },
    { type: 'CNAME', records: ['LB.example.net', 'lb.example.net.'], expected: ['lb.example.net.'] },
  ];
  for (const c of recordCases) {
    it(`${c.type} records become canonical, sorted and deduplicated`, () => {
      const value = normalised(base(upsert('www.example.com', c.type, c.records)));
      assert.equal(value.change.kind, 'dns.upsert_rrset');
      if (value.change.kind !== 'dns.upsert_rrset') return;
      assert.deepEqual(value.change.records, c.expected);
    });
  }

  it('two differently formatted but equal recommendations normalise to deep-equal values', () => {
    const left = {
      ...base(upsert('WWW.EXAMPLE.COM', 'AAAA', ['2001:DB8:0:0:0:0:0:2', '2001:0db8::1', '2001:db8::2'])),
      target: { tenant: 'acme', environment: 'production', zone: 'Example.com' },
      rationale: '  New pool passed checks.  ',
    };
    const right = {
      ...base(upsert('www.example.com.', 'AAAA', ['2001:db8::1', '2001:db8::2'])),
      target: { tenant: 'acme', environment: 'production', zone: 'example.com.' },
      rationale: 'New pool passed checks.',
    };
    assert.notDeepEqual(left, right);
    assert.deepEqual(normalised(left), normalised(right));
  });

  it('normalisation is idempotent', () => {
    const once = normalised(base(upsert('WWW.example.com', 'TXT', ['b', 'a "quoted" word'])));
    assert.deepEqual(normalised(once), once);
  });

  it('does not modify its input', () => {
    const input = base(upsert('WWW.example.com', 'A', ['192.0.2.2', '192.0.2.1']));
    const copy = structuredClone(input);
    normalised(input);
    assert.deepEqual(input, copy);
  });
});

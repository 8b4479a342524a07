import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RRset } from '../../src/plan/plan';
import type { VerificationAnswer } from '../../src/verification/verdict';
import { judgeVerification } from '../../src/verification/verdict';

const expected: RRset = { name: 'www.example.com.', type: 'A', ttl: 300, records: ['192.0.2.1'] };
const other: RRset = { ...expected, records: ['192.0.2.2'] };
const ok = (server: string): VerificationAnswer => ({
  server,
  rcode: 'NOERROR',
  authoritative: true,
  referral: false,
  rrset: expected,
});
const serves = (server: string, rrset: RRset | null, rcode = 'NOERROR'): VerificationAnswer => ({
  server,
  rcode,
  authoritative: true,
  referral: false,
  rrset,
});
const silent = (server: string, rcode: string, authoritative = false): VerificationAnswer => ({
  server,
  rcode,
  authoritative,
  referral: false,
  rrset: null,
});

describe('verification verdict', () => {
  const cases: [string, VerificationAnswer[], RRset | null, string, string[], string[]][] = [
    ['every server serves the change', [ok('a'), ok('b')], expected, 'verified', [], []],
    ['a deletion: NXDOMAIN everywhere', [serves('a', null, 'NXDOMAIN')], null, 'verified', [], []],
    ['one server serves other data', [ok('a'), serves('b', other)], expected, 'mismatch', ['b'], []],
    [
      'one server still has nothing',
      [ok('a'), serves('b', null, 'NXDOMAIN')],
      expected,
      'mismatch',
      ['b'],
      [],
    ],
    [
      'one server unreachable',
      [ok('a'), silent('b', 'ERROR: no answer within 2000 ms')],
      expected,
      'inconclusive',
      [],
      ['b'],
    ],
    ['SERVFAIL', [silent('a', 'SERVFAIL', true)], expected, 'inconclusive', [], ['a']],
    ['REFUSED', [silent('a', 'REFUSED', true)], expected, 'inconclusive', [], ['a']],
    [
      'a non-authoritative answer',
      [{ ...ok('a'), authoritative: false }],
      expected,
      'inconclusive',
      [],
      ['a'],
    ],
    [
      'silence and a wrong answer: the wrong answer decides',
      [silent('a', 'ERROR: timeout'), serves('b', other)],
      expected,
      'mismatch',
      ['b'],
      ['a'],
    ],
    ['no servers at all', [], expected, 'inconclusive', [], []],
    [
      'a referral for a delegation counts as an answer',
      [{ ...ok('a'), authoritative: false, referral: true }],
      expected,
      'verified',
      [],
      [],
    ],
  ];
  for (const [name, answers, want, verdict, mismatched, quiet] of cases) {
    it(`${name}: ${verdict}`, () => {
      const judged = judgeVerification(answers, want);
      assert.equal(judged.verdict, verdict);
      assert.deepEqual(judged.mismatched, mismatched);
      assert.deepEqual(judged.silent, quiet);
    });
  }
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isApex, isInZone, isWildcard, nameProblem, toAbsolute } from '../../src/dns/names';

describe('toAbsolute', () => {
  const cases = [
    { input: 'www.example.com', expected: 'www.example.com.' },
    { input: 'www.example.com.', expected: 'www.example.com.' },
    { input: 'WWW.Example.COM', expected: 'www.example.com.' },
    { input: '  api.example.com  ', expected: 'api.example.com.' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.input)} → ${c.expected}`, () => {
      assert.equal(toAbsolute(c.input), c.expected);
    });
  }
});

describe('nameProblem', () => {
  const label63 = 'a'.repeat(63);
  const name253 = [label63, label63, label63, 'a'.repeat(61)].join('.'); // 3*63 + 61 + 3 dots = 253 characters
  const name254 = [label63, label63, label63, 'a'.repeat(62)].join('.'); // 254 characters

  it('builds the boundary names at the intended lengths', () => {
    assert.equal(name253.length, 253);
    assert.equal(name254.length, 254);
  });

  const valid = [
    { name: 'example.com', wildcard: false },
    { name: 'example.com.', wildcard: false },
    { name: 'WWW.Example.com', wildcard: false },
    { name: '_dmarc.example.com', wildcard: false },
    { name: 'xn--bcher-kva.example.com', wildcard: false },
    { name: 'a-b.example.com', wildcard: false },
    { name: `${label63}.example.com`, wildcard: false },
    { name: '*.example.com', wildcard: true },
    { name: name253, wildcard: false },
    { name: `${name253}.`, wildcard: false },
  ];
  for (const c of valid) {
    it(`accepts ${c.name.length > 40 ? `a ${c.name.length}-character name` : c.name} (wildcard ${c.wildcard})`, () => {
      assert.equal(nameProblem(c.name, c.wildcard), undefined);
    });
  }

  const invalid = [
    { case: 'the root name', name: '.', wildcard: false, problem: /root name/ },
    { case: 'non-ASCII', name: 'bücher.example.com', wildcard: false, problem: /non-ASCII.*punycode/ },
    { case: 'two dots in a row', name: 'www..example.com', wildcard: false, problem: /empty label/ },
    { case: 'two trailing dots', name: 'example.com..', wildcard: false, problem: /empty label/ },
    { case: 'leading dot', name: '.example.com', wildcard: false, problem: /empty label/ },
    { case: 'empty string', name: '', wildcard: false, problem: /empty label/ },
    { case: 'label starting with hyphen', name: '-www.example.com', wildcard: false, problem: /"-www"/ },
    { case: 'label ending with hyphen', name: 'www-.example.com', wildcard: false, problem: /"www-"/ },
    { case: '64-character label', name: `${'a'.repeat(64)}.example.com`, wildcard: false, problem: /1-63/ },
    { case: 'space in a label', name: 'my host.example.com', wildcard: false, problem: /"my host"/ },
    { case: 'slash in a label', name: 'a/b.example.com', wildcard: false, problem: /"a\/b"/ },
    { case: 'wildcard not allowed', name: '*.example.com', wildcard: false, problem: /"\*"/ },
    { case: 'wildcard not leftmost', name: 'www.*.example.com', wildcard: true, problem: /"\*"/ },
    { case: 'partial wildcard label', name: '*www.example.com', wildcard: true, problem: /"\*www"/ },
    { case: '254 characters', name: name254, wildcard: false, problem: /longer than 253/ },
  ];
  for (const c of invalid) {
    it(`rejects ${c.case}`, () => {
      const problem = nameProblem(c.name, c.wildcard);
      assert.ok(problem !== undefined, `expected a problem for ${JSON.stringify(c.name)}`);
      assert.match(problem, c.problem);
    });
  }
});

describe('isInZone', () => {
  const cases = [
    { name: 'example.com.', zone: 'example.com.', expected: true },
    { name: 'www.example.com', zone: 'example.com', expected: true },
    { name: 'a.b.c.example.com.', zone: 'example.com', expected: true },
    { name: 'WWW.EXAMPLE.COM', zone: 'example.com.', expected: true },
    { name: '*.example.com', zone: 'example.com', expected: true },
    { name: 'badexample.com', zone: 'example.com', expected: false },
    { name: 'www.example.org', zone: 'example.com', expected: false },
    { name: 'example.com', zone: 'www.example.com', expected: false },
    { name: 'com', zone: 'example.com', expected: false },
  ];
  for (const c of cases) {
    it(`${c.name} in ${c.zone} → ${c.expected}`, () => {
      assert.equal(isInZone(c.name, c.zone), c.expected);
    });
  }
});

describe('isApex', () => {
  const cases = [
    { name: 'example.com', zone: 'example.com.', expected: true },
    { name: 'Example.COM.', zone: 'example.com', expected: true },
    { name: 'www.example.com', zone: 'example.com', expected: false },
    { name: '*.example.com', zone: 'example.com', expected: false },
    { name: 'example.org', zone: 'example.com', expected: false },
  ];
  for (const c of cases) {
    it(`${c.name} apex of ${c.zone} → ${c.expected}`, () => {
      assert.equal(isApex(c.name, c.zone), c.expected);
    });
  }
});

describe('isWildcard', () => {
  const cases = [
    { name: '*.example.com.', expected: true },
    { name: '*.sub.example.com', expected: true },
    { name: 'www.example.com.', expected: false },
    { name: '*www.example.com', expected: false },
    { name: 'www.*.example.com', expected: false },
    { name: 'example.com.', expected: false },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.expected}`, () => {
      assert.equal(isWildcard(c.name), c.expected);
    });
  }
});

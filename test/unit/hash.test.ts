import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, hashOf } from '../../src/hash';

describe('canonicalJson', () => {
  const cases: { name: string; input: unknown; expected: string }[] = [
    { name: 'string', input: 'a"b', expected: '"a\\"b"' },
    { name: 'number', input: 1.5, expected: '1.5' },
    { name: 'null', input: null, expected: 'null' },
    { name: 'boolean', input: false, expected: 'false' },
    { name: 'flat object, keys sorted', input: { b: 1, a: 2, c: 3 }, expected: '{"a":2,"b":1,"c":3}' },
    {
      name: 'nested objects sorted at every depth',
      input: { z: { y: 1, x: { w: 2, v: 3 } }, a: 0 },
      expected: '{"a":0,"z":{"x":{"v":3,"w":2},"y":1}}',
    },
    { name: 'arrays keep their order', input: [3, 1, 2], expected: '[3,1,2]' },
    {
      name: 'objects inside arrays are sorted, the array is not',
      input: [
        { b: 1, a: 2 },
        { d: 1, c: 2 },
      ],
      expected: '[{"a":2,"b":1},{"c":2,"d":1}]',
    },
    { name: 'undefined members dropped', input: { a: undefined, b: 1 }, expected: '{"b":1}' },
    { name: 'undefined array items become null', input: [undefined, 1], expected: '[null,1]' },
    { name: 'empty object and array', input: { a: {}, b: [] }, expected: '{"a":{},"b":[]}' },
    { name: 'keys needing escapes', input: { 'a"b': 1 }, expected: '{"a\\"b":1}' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(canonicalJson(c.input), c.expected);
    });
  }

  it('is independent of key insertion order at every depth', () => {
    const left = { a: 1, b: { c: [1, { d: 1, e: 2 }], f: 'x' } };
    const right = { b: { f: 'x', c: [1, { e: 2, d: 1 }] }, a: 1 };
    assert.equal(canonicalJson(left), canonicalJson(right));
    assert.equal(hashOf(left), hashOf(right));
  });

  it('parses back to an equal value', () => {
    const value = { b: [1, 'two', { c: null }], a: { d: true } };
    assert.deepEqual(JSON.parse(canonicalJson(value)), value);
  });
});

describe('hashOf', () => {
  it('is lowercase hex sha256 of the canonical JSON', () => {
    // sha256('{"a":1}')
    assert.equal(hashOf({ a: 1 }), '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
  });

  const differing: { name: string; left: unknown; right: unknown }[] = [
    { name: 'array order', left: [1, 2], right: [2, 1] },
    { name: 'a nested value', left: { a: { b: 1 } }, right: { a: { b: 2 } } },
    { name: 'number vs string', left: { a: 1 }, right: { a: '1' } },
    { name: 'null vs missing', left: { a: null }, right: {} },
    { name: 'key name', left: { a: 1 }, right: { b: 1 } },
  ];
  for (const c of differing) {
    it(`differs when ${c.name} differs`, () => {
      assert.notEqual(hashOf(c.left), hashOf(c.right));
    });
  }
});

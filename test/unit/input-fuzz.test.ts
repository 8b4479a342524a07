import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parsePolicy } from '../../src/policy/parse';
import { validateRecommendation } from '../../src/schema/validate-recommendation';
import { exampleRecommendation } from '../../src/examples';

const shippedPolicy = readFileSync(path.join(__dirname, '..', '..', 'policies', 'default.yaml'), 'utf8');
const valid = exampleRecommendation({
  id: 'fuzz-1',
  zone: 'example.com.',
  environment: 'production',
  change: { kind: 'dns.upsert_rrset', name: 'www.example.com.', type: 'A', ttl: 300, records: ['192.0.2.1'] },
});

/** Replaces one value somewhere inside `value` (a mutation of a valid input, not noise from scratch). */
function mutate(value: unknown, pathChoice: number, replacement: unknown): unknown {
  if (value === null || typeof value !== 'object') return replacement;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return replacement;
  const [key, child] = entries[pathChoice % entries.length] as [string, unknown];
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...value }) as Record<string, unknown>;
  copy[key] = pathChoice % 3 === 0 ? replacement : mutate(child, Math.floor(pathChoice / 3), replacement);
  return copy;
}

describe('fuzzed recommendations', () => {
  it('any value is either valid or refused with issues naming a field; it never throws', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), (input) => {
        const result = validateRecommendation(input);
        if (!result.ok) assert.ok(result.issues.length > 0);
      }),
      { numRuns: 1000 },
    );
  });
  it('a valid recommendation with one value replaced is validated or refused, never thrown', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.anything({ maxDepth: 2 }), (choice, replacement) => {
        const result = validateRecommendation(mutate(valid, choice, replacement));
        if (!result.ok) for (const issue of result.issues) assert.equal(typeof issue.path, 'string');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fuzzed policy files', () => {
  it('refuses YAML the parser accepts but cannot expand: a missing anchor, an alias bomb', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ].join('\n');
    for (const text of ['*-', 'version: *nothing', bomb]) {
      const result = parsePolicy([{ name: 'policy.yaml', text }], 'fuzz');
      assert.ok(!result.ok);
      assert.equal(result.issues[0]?.code, 'invalid_yaml', JSON.stringify(result.issues[0]));
    }
  });

  it('any text is parsed or refused with issues; it never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const result = parsePolicy([{ name: 'policy.yaml', text }], 'fuzz');
        if (!result.ok) assert.ok(result.issues.length > 0);
      }),
      { numRuns: 500 },
    );
  });
  it('any YAML document, and the shipped policy with any value replaced, is parsed or refused', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => {
        parsePolicy([{ name: 'policy.yaml', text: stringify(doc) }], 'fuzz');
      }),
      { numRuns: 300 },
    );
    const parsed = parsePolicy([{ name: 'policy.yaml', text: shippedPolicy }], 'shipped');
    assert.ok(parsed.ok);
    const doc = JSON.parse(JSON.stringify(parsed.loaded.policy)) as unknown;
    fc.assert(
      fc.property(fc.nat(10_000), fc.jsonValue({ maxDepth: 2 }), (choice, replacement) => {
        const result = parsePolicy(
          [{ name: 'policy.yaml', text: stringify(mutate(doc, choice, replacement)) }],
          'fuzz',
        );
        if (!result.ok) assert.ok(result.issues.length > 0);
      }),
      { numRuns: 300 },
    );
  });
});

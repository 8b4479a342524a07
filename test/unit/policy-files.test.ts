import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPolicy, requireDefaultPolicy } from '../../activities/policy/policy-files';
import { exampleRecommendation } from '../../src/examples';
import { computePlan } from '../../src/kinds/kinds';
import type { LoadedPolicy } from '../../src/policy/evaluate';
import { evaluatePolicy } from '../../src/policy/evaluate';
import { factsOf } from '../../src/policy/facts';
import { withTimings } from '../../src/policy/overrides';
import type { PolicyFile, PolicyIssue } from '../../src/policy/parse';
import { formatPolicyIssue, parsePolicy } from '../../src/policy/parse';
import type { Change, Environment } from '../../src/schema/recommendation';
import { validateRecommendation } from '../../src/schema/validate-recommendation';
import { upsert } from './fixtures';

const main = `version: test-1
roles: [sre, service-owner]
defaults:
  tier: 2
  approvalExpiry: 24h
  onExpiry: reject
  coolingOff: 15m
  executionWindow: 1h
  escalation: []
budget:
  maxRecordsTouched: 100
twoKey:
  autoMinConfidence: 0.9
  autoMaxRecordsTouched: 10
  lowScopeEnvironments: [staging, development]
never:
  automatic: { kinds: [], classes: [soa, apex_ns, dnssec] }
  allowed: [apex_soa_delete, apex_ns_delete, zone_delete]
blastRadius:
  minZoneRecords: 10
  maxUpdateShare: 0.3
  maxDeleteShare: 0.3
  tier: 3
rules:
  - id: production.default
    description: production needs one approval
    match:
      environment: [production]
    decide:
      tier: 2
      approvals: [{ role: sre, count: 1 }]
  - id: development.default
    description: development is automatic
    match: { environment: [development] }
    decide: { tier: 0 }
`;

/** The same policy, laid out differently: flow style, other key order, comments, quoting. */
const reformatted = `# the same policy, written another way
rules:
  - { id: production.default, description: "production needs one approval", match: { environment: [ production ] }, decide: { approvals: [ { count: 1, role: sre } ], tier: 2 } }
  - id: 'development.default'
    decide:
      tier: 0
    match:
      environment:
        - development
    description: development is automatic
blastRadius: { tier: 3, maxDeleteShare: 0.30, maxUpdateShare: 0.3, minZoneRecords: 10 }
never:
  allowed:
    - apex_soa_delete
    - apex_ns_delete
    - zone_delete
  automatic:
    classes: [soa, apex_ns, dnssec]
    kinds: []
twoKey: { lowScopeEnvironments: [staging, development], autoMaxRecordsTouched: 10, autoMinConfidence: 0.9 }
budget: { maxRecordsTouched: 100 }
defaults: { escalation: [], executionWindow: 1h, coolingOff: 15m, onExpiry: reject, approvalExpiry: 24h, tier: 2 }
roles:
  - sre
  - service-owner
version: "test-1"
`;

const stagingFragment = `rules:
  - id: staging.default
    description: staging is automatic with a notification
    match: { environment: [staging] }
    decide: { tier: 1 }
`;

function parse(files: readonly PolicyFile[]) {
  return parsePolicy(files, 'policy');
}

function loaded(files: readonly PolicyFile[]): LoadedPolicy {
  const result = parse(files);
  if (!result.ok)
    throw new Error(`expected a valid policy:\n${result.issues.map(formatPolicyIssue).join('\n')}`);
  return result.loaded;
}

function issuesOf(files: readonly PolicyFile[]): PolicyIssue[] {
  const result = parse(files);
  assert.equal(result.ok, false, 'the policy should be rejected');
  return result.ok ? [] : result.issues;
}

/** `line:column` (1-based) of the first occurrence of `needle` at or after `from`. */
function at(text: string, needle: string, from = 0): string {
  const offset = text.indexOf(needle, from);
  assert.ok(offset >= 0, `${needle} is not in the text`);
  const lines = text.slice(0, offset).split('\n');
  return `${lines.length}:${(lines[lines.length - 1] as string).length + 1}`;
}

function replaced(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `${from} is not in the text`);
  return text.replace(from, to);
}

describe('policy file errors name the file, the path, the line and what was expected', () => {
  const cases: {
    name: string;
    text: string;
    /** The text the issue must point at. */
    needle: string;
    last?: boolean;
    code?: string;
    path: string;
    includes: readonly string[];
  }[] = [
    {
      name: 'unknown key at the top level',
      text: `${main}colour: red\n`,
      needle: 'colour',
      code: 'unknown_key',
      path: '(root)',
      includes: ['unknown key "colour"', 'expected only the documented keys'],
    },
    {
      name: "unknown key inside a rule's match",
      text: replaced(
        main,
        '      environment: [production]\n',
        '      environment: [production]\n      colour: red\n',
      ),
      needle: 'colour',
      code: 'unknown_key',
      path: 'rules[0].match',
      includes: ['unknown key "colour"', 'expected only the documented keys'],
    },
    {
      name: 'wrong type: tier "high"',
      text: replaced(main, '      tier: 2\n', '      tier: "high"\n'),
      needle: '"high"',
      path: 'rules[0].decide.tier',
      includes: ['3', '"blocked"', 'received "high"'],
    },
    {
      name: 'wrong type: a number given as text',
      text: replaced(main, 'maxRecordsTouched: 100', 'maxRecordsTouched: many'),
      needle: 'many',
      code: 'invalid_type',
      path: 'budget.maxRecordsTouched',
      includes: ['wrong type', 'expected number', 'received "many"'],
    },
    {
      name: 'unknown role in decide.approvals',
      text: replaced(main, 'role: sre, count: 1', 'role: dba, count: 1'),
      needle: 'dba',
      code: 'unknown_role',
      path: 'rules[0].decide.approvals[0].role',
      includes: ['role "dba" is not declared', 'expected one of sre, service-owner'],
    },
    {
      name: 'duplicate rule ids',
      text: replaced(main, 'id: development.default', 'id: production.default'),
      needle: 'production.default',
      last: true,
      code: 'duplicate_rule_id',
      path: 'rules[1].id',
      includes: ['rule id "production.default" is already used by rules[0]', 'expected a unique id'],
    },
    {
      name: 'contradictory range',
      text: replaced(
        main,
        '      environment: [production]\n',
        '      environment: [production]\n      confidence: { gt: 0.8, lt: 0.5 }\n',
      ),
      needle: '{ gt: 0.8',
      code: 'contradictory_condition',
      path: 'rules[0].match.confidence',
      includes: ['no value can satisfy these bounds', 'expected a non-empty range'],
    },
    {
      name: 'tier 3 with a single approval',
      text: replaced(main, '      tier: 2\n', '      tier: 3\n'),
      needle: '[{ role: sre',
      code: 'contradictory_decision',
      path: 'rules[0].decide.approvals',
      includes: ['tier 3 is dual control', 'expected role counts adding up to 2 or more'],
    },
    {
      name: 'approvals on tier 1',
      text: replaced(main, '      tier: 2\n', '      tier: 1\n'),
      needle: '[{ role: sre',
      code: 'contradictory_decision',
      path: 'rules[0].decide.approvals',
      includes: ['a tier 1 decision takes no approvals', 'expected approvals only with tier 2 or 3'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const issues = issuesOf([{ name: 'policy.yaml', text: c.text }]);
      assert.equal(issues.length, 1, issues.map(formatPolicyIssue).join('\n'));
      const issue = issues[0] as PolicyIssue;
      const message = formatPolicyIssue(issue);
      const where = at(c.text, c.needle, c.last === true ? c.text.lastIndexOf(c.needle) : 0);
      assert.ok(message.startsWith(`policy.yaml:${where}: ${c.path}: `), message);
      for (const part of c.includes)
        assert.ok(message.includes(part), `${JSON.stringify(part)} missing from ${message}`);
      if (c.code !== undefined) assert.equal(issue.code, c.code);
      assert.equal(issue.file, 'policy.yaml');
    });
  }

  it('bad YAML (an unterminated quote) names the file, the line and column, and what was expected', () => {
    const text = replaced(
      main,
      'description: production needs one approval',
      'description: "production needs one approval',
    );
    const issues = issuesOf([{ name: 'policy.yaml', text }]);
    assert.ok(issues.length >= 1);
    const issue = issues[0] as PolicyIssue;
    assert.equal(issue.code, 'invalid_yaml');
    const message = formatPolicyIssue(issue);
    assert.match(message, /^policy\.yaml:\d+:\d+: \(yaml\): .*quote.*\(expected valid YAML\)$/);
    const opened = Number(at(text, '"production needs').split(':')[0]);
    assert.ok(
      issue.line !== undefined && issue.line >= opened,
      `line ${issue.line} before the quote opens (${opened})`,
    );
  });

  it('a range a single value satisfies is not contradictory', () => {
    for (const range of [
      '{ gte: 0.5, lte: 0.5 }',
      '{ gt: 0.1, gte: 0.5, lte: 0.5 }',
      '{ gte: 0.5, lt: 0.6 }',
    ]) {
      const text = replaced(
        main,
        '      environment: [production]\n',
        `      environment: [production]\n      confidence: ${range}\n`,
      );
      const result = parse([{ name: 'policy.yaml', text }]);
      assert.ok(result.ok, `${range}: ${result.ok ? '' : result.issues.map(formatPolicyIssue).join('\n')}`);
    }
  });

  it('every issue is reported, not only the first', () => {
    const text = replaced(
      replaced(main, 'role: sre, count: 1', 'role: dba, count: 1'),
      'id: development.default',
      'id: production.default',
    );
    const codes = issuesOf([{ name: 'policy.yaml', text }]).map((i) => i.code);
    assert.deepEqual([...codes].sort(), ['duplicate_rule_id', 'unknown_role']);
  });
});

describe('a policy directory: a main file and fragments that add rules', () => {
  const files = (fragment: string): PolicyFile[] => [
    { name: 'policies/policy.yaml', text: main },
    { name: 'policies/staging.yaml', text: fragment },
  ];

  it('a fragment adds its rules after the main file', () => {
    const policy = loaded(files(stagingFragment)).policy;
    assert.deepEqual(
      policy.rules.map((r) => r.id),
      ['production.default', 'development.default', 'staging.default'],
    );
  });

  it("a fragment's rule decides like a rule of the main file", () => {
    const policy = loaded(files(stagingFragment));
    const rec = validateRecommendation(
      exampleRecommendation({
        id: 'rec-1',
        zone: 'example.com.',
        environment: 'staging',
        change: upsert('www.example.com.', 'A', ['192.0.2.1']),
        confidence: 0.95,
      }),
    );
    assert.ok(rec.ok);
    const plan = computePlan(rec.value, null);
    assert.ok(plan.ok);
    const d = evaluatePolicy(
      policy,
      factsOf(policy.policy, rec.value, plan.plan, { zoneRecords: 50, now: new Date() }),
    ).decision;
    assert.equal(d.tier, 1);
    assert.deepEqual(
      d.reasons.map((r) => r.rule),
      ['staging.default'],
    );
  });

  it('an error in a fragment names the fragment file and the line in it', () => {
    const fragment = replaced(
      stagingFragment,
      'match: { environment: [staging] }',
      'match: { environment: [staging], colour: red }',
    );
    const issues = issuesOf(files(fragment));
    assert.deepEqual(issues.map(formatPolicyIssue), [
      `policies/staging.yaml:${at(fragment, 'colour')}: rules[0].match: unknown key "colour" (expected only the documented keys)`,
    ]);
  });

  it('a semantic error in a fragment (duplicate id, unknown role) names the fragment and its own rule index', () => {
    const fragment = `${stagingFragment}  - id: production.default
    description: again
    match: { environment: [staging] }
    decide: { tier: 2, approvals: [{ role: nobody, count: 1 }] }
`;
    const messages = issuesOf(files(fragment)).map(formatPolicyIssue);
    assert.equal(messages.length, 2, messages.join('\n'));
    const duplicate = messages.find((m) => m.includes('already used'));
    const role = messages.find((m) => m.includes('"nobody"'));
    assert.ok(
      duplicate?.startsWith(`policies/staging.yaml:${at(fragment, 'production.default')}: rules[1].id: `),
      duplicate,
    );
    assert.ok(
      role?.startsWith(
        `policies/staging.yaml:${at(fragment, 'nobody')}: rules[1].decide.approvals[0].role: `,
      ),
      role,
    );
  });

  it('a fragment may only add rules', () => {
    const issues = issuesOf(files(`version: other\n${stagingFragment}`));
    assert.deepEqual(issues.map(formatPolicyIssue), [
      'policies/staging.yaml:1:1: (root): unknown key "version" (expected only the documented keys)',
    ]);
  });

  it('loadPolicy reads a directory: policy.yaml first, then the other files by name', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'countersign-policy-'));
    try {
      await writeFile(path.join(dir, 'b-staging.yaml'), stagingFragment);
      await writeFile(path.join(dir, 'policy.yaml'), main);
      await writeFile(path.join(dir, 'a-broken.yaml'), 'rules:\n  - id: x\n    oops: 1\n');
      const result = await loadPolicy(dir);
      assert.equal(result.ok, false);
      const messages = result.ok ? [] : result.issues.map(formatPolicyIssue);
      assert.ok(
        messages.some((m) =>
          m.startsWith(`${path.join(dir, 'a-broken.yaml')}:3:5: rules[0]: unknown key "oops"`),
        ),
        messages.join('\n'),
      );
      await rm(path.join(dir, 'a-broken.yaml'));
      const fixed = await loadPolicy(dir);
      assert.ok(fixed.ok);
      assert.deepEqual(fixed.ok ? fixed.loaded.policy.rules.map((r) => r.id) : [], [
        'production.default',
        'development.default',
        'staging.default',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the content hash', () => {
  it('is stable under reformatting', () => {
    const one = loaded([{ name: 'a.yaml', text: main }]);
    const two = loaded([{ name: 'b.yaml', text: reformatted }]);
    assert.deepEqual(two.policy, one.policy);
    assert.equal(two.hash, one.hash);
    assert.match(one.hash, /^[0-9a-f]{64}$/);
  });

  it('covers the merged policy: a rule in a fragment hashes like the same rule in the main file', () => {
    const split = loaded([
      { name: 'policy.yaml', text: main },
      { name: 'staging.yaml', text: stagingFragment },
    ]);
    const inline = loaded([{ name: 'policy.yaml', text: main + stagingFragment.replace(/^rules:\n/, '') }]);
    assert.equal(split.hash, inline.hash);
  });

  const changes: { name: string; from: string; to: string }[] = [
    { name: "a rule's tier", from: 'decide: { tier: 0 }', to: 'decide: { tier: 1 }' },
    { name: "a rule's description", from: 'development is automatic', to: 'development runs by itself' },
    { name: "a rule's match", from: 'environment: [development]', to: 'environment: [development, staging]' },
    { name: 'the declared version', from: 'version: test-1', to: 'version: test-2' },
  ];
  for (const c of changes) {
    it(`changes when ${c.name} changes`, () => {
      const before = loaded([{ name: 'policy.yaml', text: main }]);
      const after = loaded([{ name: 'policy.yaml', text: replaced(main, c.from, c.to) }]);
      assert.notEqual(after.hash, before.hash);
    });
  }

  it('changes when the rule order changes (the first matching rules are reported first)', () => {
    const swapped = `${main.slice(0, main.indexOf('rules:\n'))}rules:\n  - id: development.default
    description: development is automatic
    match: { environment: [development] }
    decide: { tier: 0 }
  - id: production.default
    description: production needs one approval
    match: { environment: [production] }
    decide: { tier: 2, approvals: [{ role: sre, count: 1 }] }
`;
    assert.notEqual(
      loaded([{ name: 'p.yaml', text: swapped }]).hash,
      loaded([{ name: 'p.yaml', text: main }]).hash,
    );
  });
});

describe('withTimings', () => {
  function decide(policy: LoadedPolicy, environment: Environment, change: Change) {
    const rec = validateRecommendation(
      exampleRecommendation({ id: 'rec-1', zone: 'example.com.', environment, change }),
    );
    if (!rec.ok) throw new Error('fixture invalid');
    const plan = computePlan(rec.value, null);
    if (!plan.ok) throw new Error('fixture is a no-op');
    const now = new Date('2026-11-20T12:00:00Z');
    return evaluatePolicy(policy, factsOf(policy.policy, rec.value, plan.plan, { zoneRecords: 50, now }))
      .decision;
  }
  const apexA = upsert('example.com.', 'A', ['192.0.2.1']);
  const wwwA = upsert('www.example.com.', 'A', ['192.0.2.1']);

  it('changes the hash, the version and the source', async () => {
    const shipped = await requireDefaultPolicy();
    const fast = withTimings(shipped, { approvalExpirySeconds: 60, coolingOffSeconds: 7 });
    assert.notEqual(fast.hash, shipped.hash);
    assert.equal(fast.policy.version, `${shipped.policy.version}+timings`);
    assert.notEqual(fast.source, shipped.source);
    assert.equal(withTimings(shipped, { approvalExpirySeconds: 60, coolingOffSeconds: 7 }).hash, fast.hash);
    assert.notEqual(
      withTimings(shipped, { approvalExpirySeconds: 61, coolingOffSeconds: 7 }).hash,
      fast.hash,
    );
  });

  it('replaces the durations of the defaults and of every rule, and decisions carry the new hash', async () => {
    const shipped = await requireDefaultPolicy();
    const fast = withTimings(shipped, { approvalExpirySeconds: 60, coolingOffSeconds: 7 });
    const cases: {
      change: Change;
      tier: number;
      coolingOffSeconds: number;
      approvalExpirySeconds: number;
    }[] = [
      // production.apex sets 15m cooling-off; production.default an 8h expiry.
      { change: apexA, tier: 3, coolingOffSeconds: 900, approvalExpirySeconds: 8 * 3600 },
      { change: wwwA, tier: 2, coolingOffSeconds: 0, approvalExpirySeconds: 8 * 3600 },
    ];
    for (const c of cases) {
      const original = decide(shipped, 'production', c.change);
      assert.equal(original.tier, c.tier);
      assert.equal(original.coolingOffSeconds, c.coolingOffSeconds);
      assert.equal(original.approvalExpirySeconds, c.approvalExpirySeconds);
      const quick = decide(fast, 'production', c.change);
      assert.equal(quick.tier, c.tier, 'timings never change the tier');
      assert.equal(quick.coolingOffSeconds, c.coolingOffSeconds === 0 ? 0 : 7);
      assert.equal(quick.approvalExpirySeconds, 60);
      assert.equal(quick.policyHash, fast.hash);
      assert.equal(quick.policyVersion, fast.policy.version);
    }
    // A staging change falls back to the default expiry, which is replaced too.
    assert.equal(decide(fast, 'staging', wwwA).approvalExpirySeconds, 60);
  });

  it('leaves the original policy untouched', async () => {
    const shipped = await requireDefaultPolicy();
    const snapshot = structuredClone(shipped);
    withTimings(shipped, { approvalExpirySeconds: 60, coolingOffSeconds: 7 });
    assert.deepEqual(shipped, snapshot);
  });
});

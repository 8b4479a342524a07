import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli';

/** `countersign policy check | test | explain` on the shipped policy and on broken ones. */
describe('countersign policy commands', () => {
  const root = path.join(__dirname, '..', '..');
  const shipped = path.join(root, 'policies', 'default.yaml');
  const dir = mkdtempSync(path.join(tmpdir(), 'countersign-policy-'));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('check: the shipped policy is valid and has no warnings', async () => {
    const run = await runCli(['--json', 'policy', 'check', shipped, '--strict']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as {
      valid: boolean;
      rules: number;
      warnings: unknown[];
      hash: string;
    };
    assert.equal(out.valid, true);
    assert.ok(out.rules >= 15);
    assert.deepEqual(out.warnings, []);
    assert.match(out.hash, /^[0-9a-f]{64}$/);
  });

  it('check: a broken policy names the file, the line, the path and what was expected (exit 2)', async () => {
    const text = readFileSync(shipped, 'utf8')
      .replace('decide: { tier: 0 }', 'decide: { tier: "high" }')
      .replace('match: { environment: [development] }', 'match: { environment: [development], colour: red }');
    const file = write('broken.yaml', text);
    const run = await runCli(['policy', 'check', file]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      new RegExp(`broken\\.yaml:\\d+:\\d+: rules\\[\\d+\\]\\.match: unknown key "colour"`),
    );
    assert.match(run.stderr, /broken\.yaml:\d+:\d+: rules\[\d+\]\.decide\.tier: .*0, 1, 2, 3 or "blocked"/);
  });

  it('check: an unknown role and a contradictory range are errors', async () => {
    const text = readFileSync(shipped, 'utf8')
      .replace(
        'approvals: [{ role: sre, count: 1 }]\n      approvalExpiry: 8h',
        'approvals: [{ role: janitor, count: 1 }]\n      approvalExpiry: 8h',
      )
      .replace('match: { confidence: { lt: 0.3 } }', 'match: { confidence: { gt: 0.8, lt: 0.3 } }');
    const run = await runCli(['policy', 'check', write('semantic.yaml', text)]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /semantic\.yaml:\d+:\d+: rules\[\d+\]\.decide\.approvals\[0\]\.role: role "janitor" is not declared/,
    );
    assert.match(
      run.stderr,
      /semantic\.yaml:\d+:\d+: rules\[0\]\.match\.confidence: no value can satisfy these bounds/,
    );
  });

  it('check --strict: a shadowed rule is a warning that fails the check (exit 7)', async () => {
    const text = readFileSync(shipped, 'utf8').replace(
      'rules:\n',
      'rules:\n  - id: production.everything_blocked\n    description: freeze\n    match: { environment: [production] }\n    decide: { tier: blocked }\n',
    );
    const file = write('shadowing.yaml', text);
    const lenient = await runCli(['policy', 'check', file]);
    assert.equal(lenient.code, 0);
    assert.match(
      lenient.stdout,
      /warning shadowed_rule rules\[\d+\] \(production\.default\): shadowed by rules\[0\] \(production\.everything_blocked\)/,
    );
    assert.equal((await runCli(['policy', 'check', file, '--strict'])).code, 7);
  });

  it('test: the shipped cases pass', async () => {
    const run = await runCli(['policy', 'test', shipped, '--cases', path.join(root, 'policies', 'cases')]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^\d+ passed, 0 failed$/m);
  });

  it('test: a failing case shows a readable diff and exits 7', async () => {
    const cases = write(
      'cases.yaml',
      [
        'cases:',
        '  - name: wrong expectation',
        '    recommendation:',
        '      target: { environment: production, zone: example.com. }',
        '      change: { kind: dns.upsert_rrset, name: www.example.com., type: A, ttl: 300, records: [192.0.2.1] }',
        '      confidence: 0.95',
        '    expect: { tier: 0, rules: [staging.default] }',
      ].join('\n'),
    );
    const run = await runCli(['policy', 'test', shipped, '--cases', cases]);
    assert.equal(run.code, 7);
    assert.match(run.stdout, /FAIL wrong expectation/);
    assert.match(run.stdout, /tier: +expected 0, got 2/);
    assert.match(run.stdout, /rules: +expected to include staging\.default, got production\.default/);
    assert.match(run.stdout, /^0 passed, 1 failed$/m);
  });

  it('explain: evaluates without a workflow and shows every reason and rule', async () => {
    const live = write('live.json', JSON.stringify({ ttl: 300, records: ['192.0.2.20'] }));
    const run = await runCli([
      '--json',
      'policy',
      'explain',
      path.join(root, 'examples', 'production-api-a.json'),
      '--live',
      live,
      '--zone-records',
      '300',
      '--at',
      '2026-01-07T12:00:00Z',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as {
      decision: { tier: number; reasons: { rule: string }[] };
      rules: { id: string; matched: boolean }[];
    };
    assert.equal(out.decision.tier, 2);
    assert.deepEqual(
      out.decision.reasons.map((r) => r.rule),
      ['production.incident', 'production.default'],
    );
    assert.equal(out.rules.find((r) => r.id === 'production.off_hours')?.matched, false);
    const text = await runCli([
      'policy',
      'explain',
      path.join(root, 'examples', 'production-api-a.json'),
      '--live',
      live,
      '--at',
      '2026-01-07T12:00:00Z',
    ]);
    assert.match(
      text.stdout,
      /production\.off_hours \(tier 2\): window = 2026-01-07T12:00:00\.000Z, wanted 20:00-07:00 UTC/,
    );
  });

  it('explain: without live state it says so', async () => {
    const run = await runCli(['policy', 'explain', path.join(root, 'examples', 'staging-www-a.json')], {
      env: { COUNTERSIGN_PDNS_API_URL: '', COUNTERSIGN_PDNS_API_KEY: '' },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /note: live state unknown/);
  });
});

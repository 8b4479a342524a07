import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeRecord } from '../../src/audit/change-record';
import { changeRecordOf } from '../../src/audit/change-record';
import { percentile, percentiles } from '../../src/audit/percentiles';
import { formatMs, renderAuditTable, renderReport, renderTable } from '../../src/audit/render';
import { repeatedSuggestions } from '../../src/audit/repeats';
import { buildReport } from '../../src/audit/report';
import { verdictRowOf, verdictRows } from '../../src/audit/verdicts';
import type { ChangeState } from '../../src/change/states';
import type { Tier } from '../../src/policy/decision';
import type { Step } from './audit-fixtures';
import { evidenceOf, viewOf } from './audit-fixtures';

const t = (s: number) => new Date(Date.parse('2026-11-20T10:00:00Z') + s * 1000).toISOString();

/** A closed change: opened at `at`, the story in `steps` (seconds after `at`). */
function change(
  id: string,
  at: number,
  state: ChangeState,
  options: {
    tier?: Tier | null;
    name?: string;
    modelVersion?: string;
    approve?: [who: string, after: number][];
    reject?: [who: string, after: number, reason: string];
    executed?: boolean;
    rollback?: boolean;
    breakGlass?: { id: string; holder: string };
    tenant?: string;
  } = {},
): ChangeRecord {
  const steps: Step[] = [[t(at), 'submitted']];
  if (options.approve !== undefined || options.reject !== undefined)
    steps.push([t(at + 1), 'approval_requested', 'countersign', { required: options.approve?.length ?? 1 }]);
  for (const [who, after] of options.approve ?? [])
    steps.push([t(at + 1 + after), 'approve_counted', who, { reason: 'looks right', roles: ['sre'] }]);
  if (options.reject !== undefined)
    steps.push([
      t(at + 1 + options.reject[1]),
      'reject_counted',
      options.reject[0],
      { reason: options.reject[2] },
      `rejected by ${options.reject[0]}`,
    ]);
  if (options.executed === true) steps.push([t(at + 200), 'execute_applied']);
  if (options.rollback === true) steps.push([t(at + 201), 'rollback_applied']);
  steps.push([t(at + 300), 'close']);
  const view = viewOf({
    id,
    state,
    ...(options.tier === undefined ? {} : { tier: options.tier }),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.modelVersion === undefined ? {} : { modelVersion: options.modelVersion }),
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    ...(options.breakGlass === undefined
      ? {}
      : { breakGlass: options.breakGlass, marks: [`break-glass:${options.breakGlass.id}`] }),
  });
  return changeRecordOf(view, evidenceOf(steps), { startTime: t(at), closeTime: t(at + 300) });
}

describe('audit: percentiles (nearest rank)', () => {
  const cases: [values: number[], p: number, expected: number | null][] = [
    [[], 50, null],
    [[7], 50, 7],
    [[7], 99, 7],
    [[1, 2, 3, 4], 50, 2],
    [[4, 3, 2, 1], 90, 4],
    [[...Array.from({ length: 100 }, (_, i) => i + 1)], 50, 50],
    [[...Array.from({ length: 100 }, (_, i) => i + 1)], 90, 90],
    [[...Array.from({ length: 100 }, (_, i) => i + 1)], 99, 99],
    [[...Array.from({ length: 10 }, (_, i) => (i + 1) * 1000)], 99, 10_000],
  ];
  for (const [values, p, expected] of cases) {
    it(`p${p} of ${values.length} value(s) → ${expected}`, () =>
      assert.equal(percentile(values, p), expected));
  }
  it('summarises a sample', () => {
    assert.deepEqual(percentiles([30, 10, 20]), { count: 3, p50: 20, p90: 30, p99: 30, max: 30 });
    assert.deepEqual(percentiles([]), { count: 0, p50: null, p90: null, p99: null, max: null });
  });
});

describe('audit: repeated suggestions', () => {
  it('three proposals of one RRset (names normalised), a re-proposal after a rejection, one-offs ignored', () => {
    const records = [
      change('a1', 0, 'executed', { name: 'www.example.com' }),
      change('a2', 10, 'expired', { name: 'WWW.example.com.' }),
      change('a3', 20, 'executed', { name: 'www.example.com.' }),
      change('b1', 0, 'rejected', { name: 'mail.example.com.', reject: ['carol', 5, 'no'] }),
      change('b2', 400, 'executed', { name: 'mail.example.com.' }),
      change('c1', 0, 'executed', { name: 'ftp.example.com.' }),
      // Same subject, another tenant: not the same suggestion.
      change('d1', 30, 'executed', { name: 'www.example.com.', tenant: 'other' }),
    ];
    assert.deepEqual(
      repeatedSuggestions(records).map((r) => [r.subject, r.proposals, r.ids, r.afterRejection, r.why]),
      [
        ['example.com. www.example.com. A', 3, ['a1', 'a2', 'a3'], [], ['often']],
        ['example.com. mail.example.com. A', 2, ['b1', 'b2'], ['b2'], ['after_rejection']],
      ],
    );
  });
  it('a proposal made before the rejection is not "after" it', () => {
    const records = [
      change('e1', 0, 'rejected', { name: 'x.example.com.', reject: ['carol', 100, 'no'] }),
      change('e2', 50, 'executed', { name: 'x.example.com.' }),
    ];
    assert.deepEqual(repeatedSuggestions(records), []);
  });
});

describe('audit: the report', () => {
  const records = [
    change('auto1', 0, 'executed', { tier: 1, executed: true }),
    change('auto2', 5, 'rolled_back', { tier: 0, executed: true, rollback: true, modelVersion: '2026-11' }),
    change('appr1', 10, 'executed', { approve: [['alice', 60]], executed: true }),
    change('appr2', 20, 'executed', {
      approve: [
        ['alice', 120],
        ['carol', 600],
      ],
      tier: 3,
      executed: true,
    }),
    change('rej1', 30, 'rejected', { reject: ['carol', 30, 'TTL too low for the apex'] }),
    change('blk1', 40, 'blocked', { tier: 'blocked' }),
    change('bg1', 50, 'executed', {
      approve: [['dave', 10]],
      executed: true,
      breakGlass: { id: 'bg-1', holder: 'dave' },
    }),
  ];
  const report = buildReport(records, { since: Date.parse(t(0)), until: null });

  it('counts changes by route and by outcome', () => {
    assert.equal(report.changes, 7);
    assert.equal(report.open, 0);
    assert.deepEqual(report.byRoute, { auto: 2, approval: 4, blocked: 1 });
    assert.deepEqual(report.byOutcome, { executed: 4, rolled_back: 1, rejected: 1, blocked: 1 });
    assert.deepEqual(report.byRouteAndOutcome[0], { route: 'approval', outcome: 'executed', count: 3 });
  });
  it('approval latency from request to the decision that completed it', () => {
    // appr1 60 s, appr2 600 s (the second approval), rej1 30 s, bg1 10 s.
    assert.deepEqual(report.approvalLatencyMs, {
      count: 4,
      p50: 30_000,
      p90: 600_000,
      p99: 600_000,
      max: 600_000,
    });
    assert.equal(report.unansweredRequests, 0);
    assert.equal(report.pendingRequests, 0);
  });
  it('rejections with reasons, rollbacks, overrides', () => {
    assert.deepEqual(
      report.rejections.map((r) => `${r.id} ${r.principal}: ${r.reason}`),
      ['rej1 carol: TTL too low for the apex'],
    );
    assert.deepEqual(
      report.rollbacks.map((r) => r.id),
      ['auto2'],
    );
    assert.deepEqual(
      report.overrides.map((o) => [o.id, o.breakGlass]),
      [['bg1', 'bg-1 (dave)']],
    );
  });
  it('proposals per execution, per model version', () => {
    assert.deepEqual(
      report.models.map((m) => [
        m.modelVersion,
        m.proposals,
        m.executions,
        m.proposalsPerExecution,
        m.rejected,
      ]),
      [
        ['2026-10', 6, 4, 1.5, 1],
        ['2026-11', 1, 1, 1, 0],
      ],
    );
  });
  it('renders for people', () => {
    const text = renderReport(report);
    assert.match(text, /7 change\(s\) proposed, 0 still open/);
    assert.match(
      text,
      /p50 30s {2}p90 10m {2}p99 10m {2}max 10m; 0 never completed \(expired or voided\), 0 still waiting$/m,
    );
    assert.match(
      text,
      /rej1 {2}example\.com\. api\.example\.com\. A {2}rejected by carol: TTL too low for the apex/,
    );
    assert.match(text, /ops-llm@2026-10 +6 +4 +1\.5 /);
  });
});

describe('audit: verdict rows', () => {
  it('one row per closed change that policy or a person decided', () => {
    const rows = verdictRows([
      change('v1', 0, 'executed', { approve: [['alice', 5]], executed: true }),
      change('v2', 0, 'rejected', { reject: ['carol', 5, 'wrong target'] }),
      change('v3', 0, 'executed', { tier: 1, executed: true }),
      change('v4', 0, 'refused', { tier: null }),
      changeRecordOf(
        viewOf({ id: 'v5', state: 'awaiting_approval', outcome: null }),
        evidenceOf([[t(0), 'submitted']]),
      ),
    ]);
    assert.deepEqual(
      rows.map((r) => [r.id, r.policy?.tier, r.human.verdict, r.human.who, r.human.reason, r.outcome.state]),
      [
        ['v1', 2, 'approved', ['alice'], 'looks right', 'executed'],
        ['v2', 2, 'rejected', ['carol'], 'wrong target', 'rejected'],
        ['v3', 1, 'none', [], null, 'executed'],
      ],
    );
    const row = rows[0]!;
    assert.deepEqual(row.provenance, {
      agent: 'aiops-dns-agent',
      model: 'ops-llm',
      modelVersion: '2026-10',
      promptTemplate: 'dns-remediation',
      promptTemplateVersion: '3',
      onBehalfOf: 'bob@example.com',
    });
    assert.deepEqual(row.policy, {
      tier: 2,
      route: 'approval',
      rules: ['env.production'],
      policyVersion: 'v7',
      policyHash: 'ab'.repeat(32),
    });
    assert.equal(row.recommendation.change.kind, 'dns.upsert_rrset');
  });
  it('break-glass counts as approved, naming the grant', () => {
    const row = verdictRowOf(
      change('v6', 0, 'executed', { approve: [['dave', 5]], breakGlass: { id: 'bg-2', holder: 'dave' } }),
    );
    assert.equal(row?.human.verdict, 'approved');
    assert.equal(row?.human.breakGlass, 'bg-2');
  });
});

describe('audit: rendering', () => {
  it('pads columns to the widest cell', () => {
    assert.equal(renderTable(['A', 'BB'], [['xxx', 'y']]), 'A    BB\nxxx  y');
  });
  it('formats durations as people read them', () => {
    const cases: [number | null, string][] = [
      [null, '-'],
      [850, '850ms'],
      [42_000, '42s'],
      [192_000, '3m12s'],
      [600_000, '10m'],
      [7_500_000, '2h5m'],
    ];
    for (const [ms, text] of cases) assert.equal(formatMs(ms), text);
  });
  it('the audit table names who decided', () => {
    const text = renderAuditTable([change('t1', 0, 'rejected', { reject: ['carol', 5, 'no'] })]);
    assert.match(text, /^OPENED +ID +TENANT +CHANGE +TIER +ROUTE +STATE +MODEL +DECIDED BY$/m);
    assert.match(
      text,
      /2026-11-20 10:00Z +t1 +acme +dns\.upsert_rrset api\.example\.com\. A +2 +approval +rejected +ops-llm@2026-10 +-carol$/m,
    );
    assert.match(text, /1 change\(s\)$/);
    assert.equal(renderAuditTable([]), 'no changes match');
  });
});

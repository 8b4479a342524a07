import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalTimeline } from '../../src/audit/approval-timeline';
import { auditLineOf } from '../../src/audit/audit-line';
import { changeRecordOf } from '../../src/audit/change-record';
import type { AuditFilter } from '../../src/audit/filters';
import { matchesFilter } from '../../src/audit/filters';
import type { Step } from './audit-fixtures';
import { evidenceOf, viewOf } from './audit-fixtures';

const t = (s: number) => new Date(Date.parse('2026-11-20T10:00:00Z') + s * 1000).toISOString();
const approve = (s: number, who: string, roles: string[] = ['sre']): Step => [
  t(s),
  'approve_counted',
  who,
  { channel: 'signed', planHash: 'p1', reason: `ok by ${who}`, roles },
];

describe('audit: the approval story in the evidence', () => {
  const cases: {
    name: string;
    steps: Step[];
    latencies: (number | null)[];
    decisions: (string | null)[];
    approvers: string[];
    rejections: string[];
    refused: number;
  }[] = [
    {
      name: 'automatic: no request',
      steps: [
        [t(0), 'submitted'],
        [t(1), 'classified'],
        [t(2), 'close'],
      ],
      latencies: [],
      decisions: [],
      approvers: [],
      rejections: [],
      refused: 0,
    },
    {
      name: 'one approval completes a request of one',
      steps: [[t(0), 'approval_requested', 'countersign', { required: 1, kept: 0 }], approve(42, 'alice')],
      latencies: [42_000],
      decisions: ['approved'],
      approvers: ['alice'],
      rejections: [],
      refused: 0,
    },
    {
      name: 'dual control: the second approval completes it; refused attempts do not',
      steps: [
        [t(0), 'approval_requested', 'countersign', { required: 2, kept: 0 }],
        approve(10, 'alice'),
        [t(20), 'approve_refused', 'alice', { code: 'duplicate_principal' }],
        approve(90, 'carol', ['security']),
      ],
      latencies: [90_000],
      decisions: ['approved'],
      approvers: ['alice', 'carol'],
      rejections: [],
      refused: 1,
    },
    {
      name: 'a rejection completes it',
      steps: [
        [t(0), 'approval_requested', 'countersign', { required: 2, kept: 0 }],
        approve(5, 'alice'),
        [t(30), 'reject_counted', 'carol', { reason: 'wrong pool' }, 'rejected by carol'],
        [t(31), 'close'],
      ],
      latencies: [30_000],
      decisions: ['rejected'],
      approvers: ['alice'],
      rejections: ['carol: wrong pool'],
      refused: 0,
    },
    {
      name: 'voided by re-staging, then asked again with nothing kept',
      steps: [
        [t(0), 'approval_requested', 'countersign', { required: 1, kept: 0 }],
        [t(100), 'approvals_void'],
        [t(101), 'approval_requested', 'countersign', { required: 1, kept: 0 }],
        approve(111, 'alice'),
      ],
      latencies: [null, 10_000],
      decisions: [null, 'approved'],
      approvers: ['alice'],
      rejections: [],
      refused: 0,
    },
    {
      name: 'a stricter re-check keeps the approval already counted',
      steps: [
        [t(0), 'approval_requested', 'countersign', { required: 1, kept: 0 }],
        approve(3, 'alice'),
        [t(10), 'approval_requested', 'countersign', { required: 2, kept: 1 }],
        approve(25, 'carol'),
      ],
      latencies: [3_000, 15_000],
      decisions: ['approved', 'approved'],
      approvers: ['alice', 'carol'],
      rejections: [],
      refused: 0,
    },
    {
      name: 'break-glass completes it with one approver; a later veto is a veto',
      steps: [
        [t(0), 'approval_requested', 'countersign', { required: 2, kept: 0 }],
        approve(7, 'alice'),
        [t(7), 'break_glass', 'alice'],
        [
          t(9),
          'reject_counted',
          'dave',
          { reason: 'not now' },
          'vetoed by dave during the cooling-off delay',
        ],
      ],
      latencies: [7_000],
      decisions: ['break_glass'],
      approvers: ['alice'],
      rejections: ['dave: not now (veto)'],
      refused: 0,
    },
    {
      name: 'expired: nobody decided',
      steps: [
        [t(0), 'approval_requested', 'countersign', { required: 1, kept: 0 }],
        [t(3600), 'close', 'countersign', { state: 'expired' }],
      ],
      latencies: [null],
      decisions: [null],
      approvers: [],
      rejections: [],
      refused: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const timeline = approvalTimeline(evidenceOf(c.steps));
      assert.deepEqual(
        timeline.requests.map((r) => r.latencyMs),
        c.latencies,
      );
      assert.deepEqual(
        timeline.requests.map((r) => r.decision),
        c.decisions,
      );
      assert.deepEqual(
        timeline.approvers.map((a) => a.principal),
        c.approvers,
      );
      assert.deepEqual(
        timeline.rejections.map((r) => `${r.principal}: ${r.reason}${r.veto ? ' (veto)' : ''}`),
        c.rejections,
      );
      assert.equal(timeline.refusedDecisions, c.refused);
    });
  }

  it('a request the evidence ends with is still pending; one the change closed over is not', () => {
    const waiting = approvalTimeline(
      evidenceOf([[t(0), 'approval_requested', 'countersign', { required: 1 }]]),
    );
    assert.deepEqual(
      waiting.requests.map((r) => [r.decision, r.pending]),
      [[null, true]],
    );
    const expired = approvalTimeline(
      evidenceOf([
        [t(0), 'approval_requested', 'countersign', { required: 1 }],
        [t(60), 'close'],
      ]),
    );
    assert.deepEqual(
      expired.requests.map((r) => [r.decision, r.pending]),
      [[null, false]],
    );
  });

  it('keeps roles, channel, time and reason of each approver', () => {
    const timeline = approvalTimeline(
      evidenceOf([
        [t(0), 'approval_requested', 'countersign', { required: 1 }],
        approve(4, 'alice', ['sre']),
      ]),
    );
    assert.deepEqual(timeline.approvers, [
      {
        principal: 'alice',
        roles: ['sre'],
        at: t(4),
        channel: 'signed',
        reason: 'ok by alice',
        planHash: 'p1',
      },
    ]);
  });
});

describe('audit: a ChangeRecord from a result or a running view', () => {
  it('derives provenance, decision, approvals and times; the JSON line carries no plan or data', () => {
    const evidence = evidenceOf([
      [t(0), 'submitted', 'aiops-dns-agent'],
      [t(2), 'approval_requested', 'countersign', { required: 1, kept: 0 }],
      approve(62, 'alice@example.com'),
      [t(63), 'execute_applied', 'countersign', { live: { secret: 'never' } }],
      [t(64), 'close'],
    ]);
    const view = viewOf({ id: 'r1', state: 'executed', incidentId: 'INC-1', marks: ['exception:x'] });
    const record = changeRecordOf(view, evidence, { startTime: t(0), closeTime: t(65) });
    assert.equal(record.subject, 'example.com. api.example.com. A');
    assert.equal(record.route, 'approval');
    assert.equal(record.tier, 2);
    assert.deepEqual(record.rules, ['env.production']);
    assert.equal(record.executed, true);
    assert.equal(record.rolledBack, false);
    assert.equal(record.closedAt, t(65));
    assert.deepEqual(record.overrides, ['exception:x']);
    assert.deepEqual(
      record.approvalRequests.map((r) => r.latencyMs),
      [60_000],
    );
    const line = JSON.stringify(auditLineOf(record));
    assert.equal(line.includes('never'), false, 'activity payloads stay out');
    assert.deepEqual(Object.keys(auditLineOf(record)).slice(0, 6), [
      'id',
      'workflowId',
      'tenant',
      'environment',
      'zone',
      'kind',
    ]);
  });

  it('a running change has no close time, and falls back to the evidence for its opening', () => {
    const evidence = evidenceOf([[t(5), 'submitted']]);
    const record = changeRecordOf(viewOf({ id: 'r2', state: 'awaiting_approval', outcome: null }), evidence);
    assert.equal(record.final, false);
    assert.equal(record.closedAt, null);
    assert.equal(record.openedAt, t(5));
  });
});

describe('audit: filters', () => {
  const record = changeRecordOf(
    viewOf({
      id: 'r3',
      state: 'rejected',
      zone: 'Example.COM',
      tenant: 'acme',
      modelVersion: '2026-10',
      incidentId: 'INC-9',
    }),
    evidenceOf([
      [t(0), 'submitted'],
      [t(1), 'approval_requested', 'countersign', { required: 1 }],
      [t(9), 'reject_counted', 'carol@example.com', { reason: 'no' }, 'rejected by carol'],
      [t(10), 'close'],
    ]),
    { startTime: t(0), closeTime: t(10) },
  );
  const cases: [AuditFilter, boolean][] = [
    [{}, true],
    [{ zone: 'example.com.' }, true],
    [{ zone: 'example.com' }, true],
    [{ zone: 'example.org' }, false],
    [{ tenant: 'ACME' }, true],
    [{ tenant: 'other' }, false],
    [{ tier: '2' }, true],
    [{ tier: '3' }, false],
    [{ state: 'rejected' }, true],
    [{ state: 'executed' }, false],
    [{ approver: 'carol@example.com' }, true],
    [{ approver: 'alice@example.com' }, false],
    [{ incident: 'inc-9' }, true],
    [{ incident: 'INC-1' }, false],
    [{ model: 'ops-llm' }, true],
    [{ model: 'ops-llm@2026-10' }, true],
    [{ model: '2026-10' }, true],
    [{ model: 'ops-llm@2026-11' }, false],
    [{ model: 'other-llm' }, false],
    [{ window: { since: Date.parse(t(5)), until: null } }, true],
    [{ window: { since: Date.parse(t(5)), until: null }, basis: 'opened' }, false],
    [{ window: { since: Date.parse(t(11)), until: null }, basis: 'active' }, false],
    [{ zone: 'example.com', tenant: 'acme', approver: 'CAROL@example.com', state: 'rejected' }, true],
  ];
  for (const [filter, expected] of cases) {
    it(`${JSON.stringify(filter)} → ${expected}`, () =>
      assert.equal(matchesFilter(record, filter), expected));
  }
});

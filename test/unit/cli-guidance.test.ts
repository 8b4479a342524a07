import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeView } from '../../src/change/view';
import type { ListedChange } from '../../src/client/countersign-client';
import { renderChangeList } from '../../src/cli/change-list';
import { nextSteps } from '../../src/cli/next-steps';
import { exampleRecommendation } from '../../src/examples';
import { computePlan } from '../../src/kinds/kinds';
import { validateRecommendation } from '../../src/schema/validate-recommendation';
import { rrset } from './fixtures';

/** A production change of api A waiting for two approvals; each case overrides what it needs. */
function view(overrides: Partial<ChangeView> = {}): ChangeView {
  const validated = validateRecommendation(
    exampleRecommendation({
      id: 'rec-7',
      zone: 'example.com',
      environment: 'production',
      change: {
        kind: 'dns.upsert_rrset',
        name: 'api.example.com',
        type: 'A',
        ttl: 300,
        records: ['192.0.2.21'],
      },
    }),
  );
  if (!validated.ok) throw new Error('fixture invalid');
  const planned = computePlan(validated.value, rrset('api.example.com.', 'A', ['192.0.2.20']));
  if (!planned.ok) throw new Error('fixture is a no-op');
  return {
    workflowId: 'change-rec-7',
    recommendation: validated.value,
    state: 'awaiting_approval',
    decision: null,
    plan: planned.plan,
    approval: {
      planHash: planned.plan.hash,
      required: 2,
      excluded: [],
      expiresAt: '2026-12-04T10:00:00.000Z',
      state: { status: 'pending', approvals: [] },
    },
    coolingOffUntil: null,
    outcome: null,
    evidenceHead: '0'.repeat(64),
    evidenceLength: 4,
    ...overrides,
  };
}

const counted = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    principal: `p${i}@example.com`,
    reason: 'ok',
    at: '2026-12-03T10:00:00.000Z',
    planHash: 'x',
    roles: ['sre'],
  }));

describe('what a decision prints next', () => {
  const base = view();
  const hash = base.plan!.hash.slice(0, 16);
  const cases: { name: string; view: ChangeView; expect: (string | RegExp)[] }[] = [
    {
      name: 'one of two approvals counted: how many are left, by when, and the commands',
      view: view({
        approval: { ...base.approval!, state: { status: 'pending', approvals: counted(1) as never } },
      }),
      expect: [
        '1 of 2 approvals counted; 1 more needed by 2026-12-04T10:00:00.000Z, otherwise it expires and nothing is written',
        `another approver: countersign approve rec-7 --key <key file> --plan-hash ${hash} --reason "<why>"`,
        `anyone with a role for it can stop it: countersign reject rec-7 --key <key file> --plan-hash ${hash} --reason "<why>"`,
        'who can: countersign pending --as <principal>',
      ],
    },
    {
      name: 'the last approval started cooling-off: until when, and how to veto',
      view: view({ state: 'cooling_off', coolingOffUntil: '2026-12-03T11:00:00.000Z' }),
      expect: [
        'every approval counted; cooling-off until 2026-12-03T11:00:00.000Z: it executes then, unless someone vetoes',
        `veto: countersign reject rec-7 --key <key file> --plan-hash ${hash} --reason "<why>"`,
        'what can still be vetoed: countersign pending --cooling-off',
        'follow it: countersign status rec-7',
      ],
    },
    {
      name: 'approved with no cooling-off: executing',
      view: view({ state: 'executing' }),
      expect: ['executing now', 'follow it: countersign status rec-7'],
    },
    {
      name: 'rolling back reads as words',
      view: view({ state: 'rolling_back' }),
      expect: ['rolling back now', 'follow it: countersign status rec-7'],
    },
    {
      name: 'every approval counted, the change not moved on yet',
      view: view({
        approval: { ...base.approval!, state: { status: 'approved', approvals: counted(2) as never } },
      }),
      expect: [/^every approval counted \(2 of 2\); it moves on now/, 'follow it: countersign status rec-7'],
    },
    {
      name: 'a rejection closed it: the outcome and where the evidence is',
      view: view({
        state: 'rejected',
        outcome: { code: 'rejected', message: 'rejected by alice@example.com: not now' },
      }),
      expect: [
        'closed rejected: rejected by alice@example.com: not now',
        'what happened, step by step: countersign evidence rec-7',
      ],
    },
    {
      name: 'held by a governor: why',
      view: view({
        state: 'held',
        governor: {
          hold: { code: 'lock', scope: 'zone example.com.', message: 'another change holds api A' } as never,
          rerouted: null,
          flags: [],
        },
      }),
      expect: ['waiting on a governor: another change holds api A', 'follow it: countersign status rec-7'],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const lines = nextSteps('rec-7', c.view);
      assert.equal(lines.length, c.expect.length, lines.join('\n'));
      c.expect.forEach((want, i) =>
        typeof want === 'string' ? assert.equal(lines[i], want) : assert.match(lines[i] ?? '', want),
      );
    });
});

describe('countersign list', () => {
  const row = (workflowId: string, startTime: string, extra: Partial<ListedChange> = {}): ListedChange => ({
    workflowId,
    status: 'RUNNING',
    state: 'awaiting_approval',
    zone: 'example.com.',
    environment: 'production',
    tier: '2',
    requester: 'bob@example.com',
    startTime,
    ...extra,
  });

  it('has a header, the requester, and the newest change first', () => {
    const text = renderChangeList([
      row('change-old', '2026-12-01T09:00:00.000Z'),
      row('change-new', '2026-12-03T09:00:00.000Z', {
        requester: undefined,
        state: 'executed',
        status: 'COMPLETED',
      }),
      row('change-mid', '2026-12-02T09:00:00.000Z'),
    ]);
    const lines = text.split('\n');
    assert.match(lines[0] ?? '', /^STARTED\s+STATE\s+TIER\s+REQUESTER\s+ENV\s+ZONE\s+CHANGE$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s{2,}/).at(-1)),
      ['change-new', 'change-mid', 'change-old'],
    );
    assert.match(lines[1] ?? '', /^2026-12-03 09:00:00\s+executed\s+2\s+-\s+production/);
    assert.match(lines[2] ?? '', /bob@example\.com/);
    // Columns line up: every row's CHANGE starts where the header's does.
    const at = (lines[0] ?? '').indexOf('CHANGE');
    for (const line of lines.slice(1)) assert.equal(line.indexOf('change-'), at, line);
  });

  it('says so when there is nothing', () => {
    assert.equal(renderChangeList([]), 'no changes');
  });
});

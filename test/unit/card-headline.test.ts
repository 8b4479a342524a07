import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cardHeadline, readableTime } from '../../src/change/card-headline';
import type { ChangeView } from '../../src/change/view';
import type { Decision } from '../../src/policy/decision';

const decision = {
  tier: 3,
  approvals: {
    count: 2,
    roles: [
      { role: 'sre', count: 1 },
      { role: 'service-owner', count: 1 },
    ],
  },
} as unknown as Decision;

function view(part: Partial<ChangeView>): ChangeView {
  return {
    state: 'awaiting_approval',
    decision,
    approval: {
      planHash: 'a'.repeat(64),
      required: 2,
      excluded: [],
      expiresAt: '2026-11-21T10:05:30.000Z',
      state: { status: 'pending', approvals: [] },
    },
    coolingOffUntil: null,
    outcome: null,
    ...part,
  } as ChangeView;
}

describe('cardHeadline: what a change waits on, from whom, by when', () => {
  const cases: { name: string; view: ChangeView; headline: string }[] = [
    {
      name: 'no approval yet: both roles, the deadline',
      view: view({}),
      headline: 'Waiting for 2 more approvals (1 sre + 1 service-owner) by 2026-11-21 10:05 UTC',
    },
    {
      name: 'one approval given by an sre: the seat still open',
      view: view({
        approval: {
          ...view({}).approval!,
          state: {
            status: 'pending',
            approvals: [
              { principal: 'alice@example.com', reason: 'ok', at: 1, channel: 'signed', roles: ['sre'] },
            ],
          },
        },
      }),
      headline: 'Waiting for 1 more approval (1 service-owner) by 2026-11-21 10:05 UTC',
    },
    {
      name: 'any approver will do',
      view: view({
        decision: { ...decision, approvals: { count: 1, roles: [] } },
        approval: { ...view({}).approval!, required: 1 },
      }),
      headline: 'Waiting for 1 more approval (any approver) by 2026-11-21 10:05 UTC',
    },
    {
      name: 'the request not open yet',
      view: view({ approval: null }),
      headline: 'Waiting for its approval request to open',
    },
    {
      name: 'cooling-off: until when, and that a veto stops it',
      view: view({ state: 'cooling_off', coolingOffUntil: '2026-11-20T11:00:00.000Z' }),
      headline: 'Cooling off until 2026-11-20 11:00 UTC: it executes then unless an approver vetoes',
    },
    {
      name: 'held by a governor: its message',
      view: view({
        state: 'held',
        governor: {
          hold: { message: 'api.example.com. A is being written by change-x' } as never,
          rerouted: null,
          flags: [],
        },
      }),
      headline: 'Held by the governor before writing: api.example.com. A is being written by change-x',
    },
    { name: 'writing', view: view({ state: 'executing' }), headline: 'Writing the change now' },
    {
      name: 'closed: the outcome in its own words',
      view: view({ state: 'rolled_back', outcome: { code: 'rolled_back', message: 'verification failed' } }),
      headline: 'Rolled back: verification failed',
    },
    { name: 'early checks', view: view({ state: 'staging' }), headline: 'Being checked (staging)' },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.equal(cardHeadline(c.view), c.headline);
    });

  it('readableTime: minutes in UTC, and anything unparseable as it came', () => {
    assert.equal(readableTime('2026-11-21T10:05:59.999Z'), '2026-11-21 10:05 UTC');
    assert.equal(readableTime('soon'), 'soon');
  });
});

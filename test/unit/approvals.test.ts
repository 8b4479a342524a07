import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ApprovalAttempt,
  ApprovalRequest,
  ApprovalState,
  RefusalCode,
} from '../../src/approvals/reducer';
import { initialApprovalState, reviewAttempt } from '../../src/approvals/reducer';

const planHash = 'a'.repeat(64);
const otherHash = 'b'.repeat(64);
const expiresAt = 1_000_000;

function request(required: number): ApprovalRequest {
  return {
    planHash,
    required,
    expiresAt,
    excluded: [
      { principal: 'aiops-dns-agent', why: 'the proposing agent is a service principal' },
      { principal: 'Bob@example.com', why: 'the requester may not approve their own change' },
    ],
  };
}

type Step = Partial<ApprovalAttempt> & { principal: string };

function attempt(step: Step): ApprovalAttempt {
  return { decision: 'approve', planHash, reason: 'checked the diff', channel: 'update', at: 1000, ...step };
}

/** What each attempt should yield: counted (with the status after it) or refused with a code. */
type Expect = { counted: ApprovalState['status'] } | { refused: RefusalCode };

interface SequenceCase {
  readonly name: string;
  readonly required: number;
  readonly steps: readonly Step[];
  readonly verdicts: readonly Expect[];
  readonly status: ApprovalState['status'];
  readonly approvers: readonly string[];
}

const sequences: readonly SequenceCase[] = [
  {
    name: 'one approval of one required',
    required: 1,
    steps: [{ principal: 'alice@example.com' }],
    verdicts: [{ counted: 'approved' }],
    status: 'approved',
    approvers: ['alice@example.com'],
  },
  {
    name: 'two distinct approvers of two required',
    required: 2,
    steps: [{ principal: 'alice@example.com' }, { principal: 'carol@example.com' }],
    verdicts: [{ counted: 'pending' }, { counted: 'approved' }],
    status: 'approved',
    approvers: ['alice@example.com', 'carol@example.com'],
  },
  {
    name: 'same principal twice, differing in case and space, counts once',
    required: 2,
    steps: [{ principal: 'alice@example.com' }, { principal: '  ALICE@Example.com ' }],
    verdicts: [{ counted: 'pending' }, { refused: 'duplicate_principal' }],
    status: 'pending',
    approvers: ['alice@example.com'],
  },
  {
    name: 'duplicate refused, then a second person completes',
    required: 2,
    steps: [
      { principal: 'alice@example.com' },
      { principal: 'alice@example.com' },
      { principal: 'carol@example.com' },
    ],
    verdicts: [{ counted: 'pending' }, { refused: 'duplicate_principal' }, { counted: 'approved' }],
    status: 'approved',
    approvers: ['alice@example.com', 'carol@example.com'],
  },
  {
    name: 'the requester (excluded, case-insensitive) may not approve',
    required: 1,
    steps: [{ principal: 'bob@EXAMPLE.com' }],
    verdicts: [{ refused: 'excluded_principal' }],
    status: 'pending',
    approvers: [],
  },
  {
    name: 'the proposing agent may not approve',
    required: 1,
    steps: [{ principal: 'aiops-dns-agent' }],
    verdicts: [{ refused: 'excluded_principal' }],
    status: 'pending',
    approvers: [],
  },
  {
    name: 'the requester may withdraw their own change (a rejection only makes it safer)',
    required: 1,
    steps: [{ principal: 'bob@example.com', decision: 'reject' }],
    verdicts: [{ counted: 'rejected' }],
    status: 'rejected',
    approvers: [],
  },
  {
    name: 'an approver may change their mind and reject',
    required: 2,
    steps: [
      { principal: 'alice@example.com' },
      { principal: 'alice@example.com', decision: 'reject' },
      { principal: 'carol@example.com' },
    ],
    verdicts: [{ counted: 'pending' }, { counted: 'rejected' }, { refused: 'request_closed' }],
    status: 'rejected',
    approvers: ['alice@example.com'],
  },
  {
    name: 'an approval for another plan hash is refused',
    required: 1,
    steps: [{ principal: 'alice@example.com', planHash: otherHash }, { principal: 'alice@example.com' }],
    verdicts: [{ refused: 'plan_hash_mismatch' }, { counted: 'approved' }],
    status: 'approved',
    approvers: ['alice@example.com'],
  },
  {
    name: 'an approval after expiry is refused',
    required: 1,
    steps: [{ principal: 'alice@example.com', at: expiresAt + 1 }],
    verdicts: [{ refused: 'request_expired' }],
    status: 'pending',
    approvers: [],
  },
  {
    name: 'an approval at the expiry instant still counts',
    required: 1,
    steps: [{ principal: 'alice@example.com', at: expiresAt }],
    verdicts: [{ counted: 'approved' }],
    status: 'approved',
    approvers: ['alice@example.com'],
  },
  {
    name: 'an empty or blank reason is refused',
    required: 1,
    steps: [
      { principal: 'alice@example.com', reason: '' },
      { principal: 'alice@example.com', reason: '  \n ' },
    ],
    verdicts: [{ refused: 'missing_reason' }, { refused: 'missing_reason' }],
    status: 'pending',
    approvers: [],
  },
  {
    name: 'a rejection closes the request; later attempts are refused',
    required: 2,
    steps: [
      { principal: 'alice@example.com' },
      { principal: 'carol@example.com', decision: 'reject', reason: 'wrong pool' },
      { principal: 'dave@example.com' },
      { principal: 'erin@example.com', decision: 'reject' },
    ],
    verdicts: [
      { counted: 'pending' },
      { counted: 'rejected' },
      { refused: 'request_closed' },
      { refused: 'request_closed' },
    ],
    status: 'rejected',
    approvers: ['alice@example.com'],
  },
  {
    name: 'approvals after approved are refused as closed',
    required: 1,
    steps: [
      { principal: 'alice@example.com' },
      { principal: 'carol@example.com' },
      { principal: 'dave@example.com', decision: 'reject' },
    ],
    verdicts: [{ counted: 'approved' }, { refused: 'request_closed' }, { refused: 'request_closed' }],
    status: 'approved',
    approvers: ['alice@example.com'],
  },
  {
    name: 'a closed request says closed before anything else is checked',
    required: 1,
    steps: [
      { principal: 'alice@example.com' },
      { principal: 'aiops-dns-agent', planHash: otherHash, at: expiresAt + 1, reason: '' },
    ],
    verdicts: [{ counted: 'approved' }, { refused: 'request_closed' }],
    status: 'approved',
    approvers: ['alice@example.com'],
  },
];

describe('reviewAttempt: sequences', () => {
  for (const c of sequences) {
    it(c.name, () => {
      const req = request(c.required);
      let state: ApprovalState = initialApprovalState;
      const verdicts: Expect[] = [];
      for (const step of c.steps) {
        const previous = state;
        const reviewed = reviewAttempt(req, state, attempt(step));
        if (reviewed.verdict.counted) verdicts.push({ counted: reviewed.verdict.status });
        else {
          verdicts.push({ refused: reviewed.verdict.code });
          assert.equal(reviewed.state, previous, 'a refused attempt leaves the state unchanged');
        }
        assert.ok(reviewed.verdict.message.length > 0);
        state = reviewed.state;
      }
      assert.deepEqual(verdicts, c.verdicts);
      assert.equal(state.status, c.status);
      assert.deepEqual(
        state.approvals.map((a) => a.principal),
        c.approvers,
      );
    });
  }
});

describe('reviewAttempt: details', () => {
  it('records who, why, when and how for a counted approval', () => {
    const { state, verdict } = reviewAttempt(
      request(2),
      initialApprovalState,
      attempt({ principal: ' alice@example.com ', reason: 'runbook step 4', at: 1234, channel: 'signal' }),
    );
    assert.deepEqual(state, {
      status: 'pending',
      approvals: [{ principal: 'alice@example.com', reason: 'runbook step 4', at: 1234, channel: 'signal' }],
    });
    assert.deepEqual(verdict, {
      counted: true,
      status: 'pending',
      message: 'approval 1 of 2 counted; still needed: 1 more approver',
    });
  });

  it('records the rejection', () => {
    const { state, verdict } = reviewAttempt(
      request(1),
      initialApprovalState,
      attempt({ principal: 'carol@example.com', decision: 'reject', reason: 'too broad', at: 99 }),
    );
    assert.equal(state.status, 'rejected');
    assert.deepEqual(state.rejection, {
      principal: 'carol@example.com',
      reason: 'too broad',
      at: 99,
      channel: 'update',
    });
    assert.deepEqual(state.approvals, []);
    assert.deepEqual(verdict, {
      counted: true,
      status: 'rejected',
      message: 'rejected by carol@example.com',
    });
  });

  const messages: { name: string; step: Step; state: ApprovalState; message: RegExp }[] = [
    {
      name: 'plan hash mismatch names both hash prefixes',
      step: { principal: 'alice@example.com', planHash: otherHash },
      state: initialApprovalState,
      message: /bbbbbbbbbbbb.*aaaaaaaaaaaa/,
    },
    {
      name: 'exclusion gives the reason',
      step: { principal: 'Bob@example.com' },
      state: initialApprovalState,
      message: /Bob@example.com may not approve: the requester may not approve their own change/,
    },
    {
      name: 'closed says how it closed',
      step: { principal: 'alice@example.com' },
      state: { status: 'rejected', approvals: [] },
      message: /already rejected/,
    },
  ];
  for (const c of messages) {
    it(c.name, () => {
      const { verdict } = reviewAttempt(request(1), c.state, attempt(c.step));
      assert.equal(verdict.counted, false);
      assert.match(verdict.message, c.message);
    });
  }

  it('does not mutate the state it was given', () => {
    const state: ApprovalState = { status: 'pending', approvals: [] };
    const snapshot = structuredClone(state);
    reviewAttempt(request(1), state, attempt({ principal: 'alice@example.com' }));
    assert.deepEqual(state, snapshot);
  });
});

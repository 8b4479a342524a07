import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ApprovalAttempt,
  ApprovalRequest,
  ApprovalState,
  RefusalCode,
} from '../../src/approvals/reducer';
import { initialApprovalState, reviewAttempt, reviewVeto } from '../../src/approvals/reducer';

const planHash = 'a'.repeat(64);
const otherHash = 'b'.repeat(64);
const expiresAt = 1_000_000;
const sreAndOwner = [
  { role: 'sre', count: 1 },
  { role: 'service-owner', count: 1 },
] as const;

function request(extra: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return { planHash, required: 1, expiresAt, excluded: [], ...extra };
}

type Step = Partial<ApprovalAttempt> & { principal: string };

function attempt(step: Step): ApprovalAttempt {
  return { decision: 'approve', planHash, reason: 'checked the diff', channel: 'signed', at: 1000, ...step };
}

type Expect = { counted: ApprovalState['status'] } | { refused: RefusalCode };

interface SequenceCase {
  readonly name: string;
  readonly request: ApprovalRequest;
  readonly steps: readonly Step[];
  readonly verdicts: readonly Expect[];
  readonly status: ApprovalState['status'];
  readonly nonces?: readonly string[];
}

function run(req: ApprovalRequest, steps: readonly Step[]) {
  let state: ApprovalState = initialApprovalState;
  const verdicts = steps.map((step) => {
    const out = reviewAttempt(req, state, attempt(step));
    state = out.state;
    return out.verdict;
  });
  return { state, verdicts };
}

function summarise(verdict: ReturnType<typeof run>['verdicts'][number]): Expect {
  return verdict.counted ? { counted: verdict.status } : { refused: verdict.code };
}

const sequences: readonly SequenceCase[] = [
  // Nonces
  {
    name: 'a nonce used by a counted approval cannot be used again',
    request: request({ required: 2 }),
    steps: [
      { principal: 'alice', nonce: 'nonce-0000000001' },
      { principal: 'carol', nonce: 'nonce-0000000001' },
    ],
    verdicts: [{ counted: 'pending' }, { refused: 'nonce_replayed' }],
    status: 'pending',
    nonces: ['nonce-0000000001'],
  },
  {
    name: 'a refused attempt also spends its nonce (plan hash mismatch, then the right plan)',
    request: request(),
    steps: [
      { principal: 'alice', nonce: 'nonce-0000000002', planHash: otherHash },
      { principal: 'alice', nonce: 'nonce-0000000002' },
    ],
    verdicts: [{ refused: 'plan_hash_mismatch' }, { refused: 'nonce_replayed' }],
    status: 'pending',
    nonces: ['nonce-0000000002'],
  },
  {
    name: 'an expired signed decision spends its nonce',
    request: request(),
    steps: [
      { principal: 'alice', nonce: 'nonce-0000000003', validUntil: 500 },
      { principal: 'alice', nonce: 'nonce-0000000003', validUntil: 5000 },
    ],
    verdicts: [{ refused: 'decision_expired' }, { refused: 'nonce_replayed' }],
    status: 'pending',
    nonces: ['nonce-0000000003'],
  },
  {
    name: 'an attempt on a closed request spends its nonce',
    request: request(),
    steps: [
      { principal: 'alice', nonce: 'nonce-0000000004' },
      { principal: 'carol', nonce: 'nonce-0000000005' },
      { principal: 'carol', nonce: 'nonce-0000000005' },
    ],
    verdicts: [{ counted: 'approved' }, { refused: 'request_closed' }, { refused: 'nonce_replayed' }],
    status: 'approved',
    nonces: ['nonce-0000000004', 'nonce-0000000005'],
  },
  {
    name: 'a rejection spends its nonce',
    request: request(),
    steps: [
      { principal: 'alice', decision: 'reject', reason: 'not now', nonce: 'nonce-0000000006' },
      { principal: 'alice', decision: 'reject', reason: 'not now', nonce: 'nonce-0000000006' },
    ],
    verdicts: [{ counted: 'rejected' }, { refused: 'nonce_replayed' }],
    status: 'rejected',
    nonces: ['nonce-0000000006'],
  },
  {
    name: 'distinct nonces are each accepted',
    request: request({ required: 2 }),
    steps: [
      { principal: 'alice', nonce: 'nonce-0000000007' },
      { principal: 'carol', nonce: 'nonce-0000000008' },
    ],
    verdicts: [{ counted: 'pending' }, { counted: 'approved' }],
    status: 'approved',
    nonces: ['nonce-0000000007', 'nonce-0000000008'],
  },
  {
    name: 'attempts without a nonce record none',
    request: request({ required: 2 }),
    steps: [{ principal: 'alice', channel: 'ui' }, { principal: 'carol' }],
    verdicts: [{ counted: 'pending' }, { counted: 'approved' }],
    status: 'approved',
  },
  // Validity window
  {
    name: 'not valid yet: received before validFrom',
    request: request(),
    steps: [{ principal: 'alice', at: 1000, validFrom: 1001, validUntil: 5000 }],
    verdicts: [{ refused: 'not_yet_valid' }],
    status: 'pending',
  },
  {
    name: 'valid from the instant of validFrom',
    request: request(),
    steps: [{ principal: 'alice', at: 1000, validFrom: 1000, validUntil: 5000 }],
    verdicts: [{ counted: 'approved' }],
    status: 'approved',
  },
  {
    name: 'inside the window',
    request: request(),
    steps: [{ principal: 'alice', at: 2000, validFrom: 1000, validUntil: 5000 }],
    verdicts: [{ counted: 'approved' }],
    status: 'approved',
  },
  {
    name: 'valid up to and including validUntil',
    request: request(),
    steps: [{ principal: 'alice', at: 5000, validFrom: 1000, validUntil: 5000 }],
    verdicts: [{ counted: 'approved' }],
    status: 'approved',
  },
  {
    name: 'expired: received after validUntil',
    request: request(),
    steps: [{ principal: 'alice', at: 5001, validFrom: 1000, validUntil: 5000 }],
    verdicts: [{ refused: 'decision_expired' }],
    status: 'pending',
  },
  {
    name: 'an expired rejection does not count either',
    request: request(),
    steps: [{ principal: 'alice', decision: 'reject', at: 5001, validUntil: 5000 }],
    verdicts: [{ refused: 'decision_expired' }],
    status: 'pending',
  },
  {
    name: 'a rejection issued in the future does not count',
    request: request(),
    steps: [{ principal: 'alice', decision: 'reject', at: 1000, validFrom: 2000 }],
    verdicts: [{ refused: 'not_yet_valid' }],
    status: 'pending',
  },
  // Channels
  {
    name: 'approval through an unaccepted channel is refused',
    request: request({ channels: ['signed'] }),
    steps: [{ principal: 'alice', channel: 'ui' }],
    verdicts: [{ refused: 'channel_not_accepted' }],
    status: 'pending',
  },
  {
    name: 'legacy update channel refused where only signed decisions count',
    request: request({ channels: ['signed'] }),
    steps: [{ principal: 'alice', channel: 'update' }],
    verdicts: [{ refused: 'channel_not_accepted' }],
    status: 'pending',
  },
  {
    name: 'approval through an accepted channel counts',
    request: request({ channels: ['signed', 'ui'] }),
    steps: [{ principal: 'alice', channel: 'ui' }],
    verdicts: [{ counted: 'approved' }],
    status: 'approved',
  },
  {
    name: 'a rejection through an unaccepted channel still counts',
    request: request({ channels: ['signed'] }),
    steps: [{ principal: 'alice', channel: 'ui', decision: 'reject', reason: 'wrong zone' }],
    verdicts: [{ counted: 'rejected' }],
    status: 'rejected',
  },
  {
    name: 'refused ui approval then a signed approval by the same person counts',
    request: request({ channels: ['signed'] }),
    steps: [
      { principal: 'alice', channel: 'ui' },
      { principal: 'alice', channel: 'signed', nonce: 'nonce-0000000009' },
    ],
    verdicts: [{ refused: 'channel_not_accepted' }, { counted: 'approved' }],
    status: 'approved',
    nonces: ['nonce-0000000009'],
  },
  {
    name: 'no channels on the request: any channel counts',
    request: request({ required: 4 }),
    steps: [
      { principal: 'a', channel: 'signal' },
      { principal: 'b', channel: 'update' },
      { principal: 'c', channel: 'signed' },
      { principal: 'd', channel: 'ui' },
    ],
    verdicts: [
      { counted: 'pending' },
      { counted: 'pending' },
      { counted: 'pending' },
      { counted: 'approved' },
    ],
    status: 'approved',
  },
  // Roles
  {
    name: 'sre then service-owner: approved only when both seats are filled',
    request: request({ required: 2, roles: sreAndOwner }),
    steps: [
      { principal: 'alice', roles: ['sre'] },
      { principal: 'dan', roles: ['service-owner'] },
    ],
    verdicts: [{ counted: 'pending' }, { counted: 'approved' }],
    status: 'approved',
  },
  {
    name: 'a second sre fills no open seat',
    request: request({ required: 2, roles: sreAndOwner }),
    steps: [
      { principal: 'alice', roles: ['sre'] },
      { principal: 'bob', roles: ['sre'] },
      { principal: 'dan', roles: ['service-owner'] },
    ],
    verdicts: [{ counted: 'pending' }, { refused: 'role_not_needed' }, { counted: 'approved' }],
    status: 'approved',
  },
  {
    name: 'an approver without any needed role fills no open seat',
    request: request({ required: 1, roles: [{ role: 'sre', count: 1 }] }),
    steps: [{ principal: 'eve', roles: ['dba'] }],
    verdicts: [{ refused: 'role_not_needed' }],
    status: 'pending',
  },
  {
    name: 'carol [sre, service-owner] then alice [sre]: re-assignment approves',
    request: request({ required: 2, roles: sreAndOwner }),
    steps: [
      { principal: 'carol', roles: ['sre', 'service-owner'] },
      { principal: 'alice', roles: ['sre'] },
    ],
    verdicts: [{ counted: 'pending' }, { counted: 'approved' }],
    status: 'approved',
  },
  {
    name: 'one person with both roles is not enough for two seats',
    request: request({ required: 2, roles: sreAndOwner }),
    steps: [
      { principal: 'carol', roles: ['sre', 'service-owner'] },
      { principal: 'carol', roles: ['sre', 'service-owner'] },
    ],
    verdicts: [{ counted: 'pending' }, { refused: 'duplicate_principal' }],
    status: 'pending',
  },
  {
    name: 'extra "any" seat: a dba counts once the role seat is counted',
    request: request({ required: 2, roles: [{ role: 'sre', count: 1 }] }),
    steps: [
      { principal: 'eve', roles: ['dba'] },
      { principal: 'frank', roles: ['dba'] },
      { principal: 'alice', roles: ['sre'] },
    ],
    verdicts: [{ counted: 'pending' }, { refused: 'role_not_needed' }, { counted: 'approved' }],
    status: 'approved',
  },
  {
    name: 'unknown roles (legacy path) fill any seat',
    request: request({ required: 2, roles: sreAndOwner }),
    steps: [{ principal: 'alice' }, { principal: 'bob' }],
    verdicts: [{ counted: 'pending' }, { counted: 'approved' }],
    status: 'approved',
  },
  {
    name: 'a rejection needs no role',
    request: request({ required: 2, roles: sreAndOwner }),
    steps: [{ principal: 'eve', roles: ['dba'], decision: 'reject', reason: 'too risky' }],
    verdicts: [{ counted: 'rejected' }],
    status: 'rejected',
  },
];

describe('reviewAttempt: verified approvals', () => {
  for (const c of sequences) {
    it(c.name, () => {
      const { state, verdicts } = run(c.request, c.steps);
      assert.deepEqual(verdicts.map(summarise), c.verdicts);
      assert.equal(state.status, c.status);
      assert.deepEqual(state.nonces ?? [], c.nonces ?? []);
    });
  }

  it('a replayed nonce leaves the state untouched', () => {
    const req = request({ required: 2 });
    const first = reviewAttempt(
      req,
      initialApprovalState,
      attempt({ principal: 'alice', nonce: 'n'.repeat(16) }),
    );
    const again = reviewAttempt(req, first.state, attempt({ principal: 'carol', nonce: 'n'.repeat(16) }));
    assert.equal(again.state, first.state);
    assert.deepEqual(again.verdict, {
      counted: false,
      code: 'nonce_replayed',
      message: 'this signed decision was already used',
    });
  });

  it('a refused attempt counts no approval but records its nonce', () => {
    const out = reviewAttempt(
      request(),
      initialApprovalState,
      attempt({ principal: 'alice', at: 10, validFrom: 20, nonce: 'x'.repeat(16) }),
    );
    assert.equal(out.verdict.counted, false);
    assert.deepEqual(out.state.approvals, []);
    assert.deepEqual(out.state.nonces, ['x'.repeat(16)]);
  });

  it('counted approvals keep roles and key id', () => {
    const out = reviewAttempt(
      request({ required: 2, roles: sreAndOwner }),
      initialApprovalState,
      attempt({ principal: ' alice ', roles: ['sre'], keyId: 'alice-2026', nonce: 'k'.repeat(16) }),
    );
    assert.deepEqual(out.state.approvals, [
      {
        principal: 'alice',
        reason: 'checked the diff',
        at: 1000,
        channel: 'signed',
        roles: ['sre'],
        keyId: 'alice-2026',
      },
    ]);
  });

  it('says which role is still needed after a counted approval', () => {
    const out = reviewAttempt(
      request({ required: 2, roles: sreAndOwner }),
      initialApprovalState,
      attempt({ principal: 'alice', roles: ['sre'] }),
    );
    assert.deepEqual(out.verdict, {
      counted: true,
      status: 'pending',
      message: 'approval 1 of 2 counted; still needed: 1 service-owner',
    });
  });

  it('says which role is still needed when refusing an approver who fills no seat', () => {
    const req = request({ required: 2, roles: sreAndOwner });
    const { state } = run(req, [{ principal: 'alice', roles: ['sre'] }]);
    const out = reviewAttempt(req, state, attempt({ principal: 'bob', roles: ['sre'] }));
    assert.equal(out.verdict.counted, false);
    assert.ok(!out.verdict.counted && out.verdict.code === 'role_not_needed');
    assert.match(out.verdict.message, /^bob \(sre\) fills no open seat; still needed: 1 service-owner$/);
    assert.equal(out.state.approvals.length, 1);
  });

  it('names "no role" for an approver with an empty role list', () => {
    const out = reviewAttempt(
      request({ required: 1, roles: [{ role: 'sre', count: 1 }] }),
      initialApprovalState,
      attempt({ principal: 'eve', roles: [] }),
    );
    assert.equal(out.verdict.message, 'eve (no role) fills no open seat; still needed: 1 sre');
  });

  it('the final approval message has no "still needed"', () => {
    const { verdicts } = run(request({ required: 2, roles: sreAndOwner }), [
      { principal: 'carol', roles: ['sre', 'service-owner'] },
      { principal: 'alice', roles: ['sre'] },
    ]);
    assert.equal(verdicts[0]!.message, 'approval 1 of 2 counted; still needed: 1 service-owner');
    assert.equal(verdicts[1]!.message, 'approval 2 of 2 counted');
  });

  it('a channel refusal names the channel', () => {
    const out = reviewAttempt(
      request({ channels: ['signed'] }),
      initialApprovalState,
      attempt({ principal: 'alice', channel: 'ui' }),
    );
    assert.ok(!out.verdict.counted);
    assert.match(out.verdict.message, /the ui channel/);
  });
});

describe('reviewVeto', () => {
  const cases: readonly {
    name: string;
    attempt: Step;
    expected: { counted: true; status: 'rejected'; message: string } | { counted: false; code: RefusalCode };
  }[] = [
    {
      name: 'a veto with a reason on the plan under delay counts',
      attempt: { principal: ' alice ', decision: 'reject', reason: 'saw an outage' },
      expected: {
        counted: true,
        status: 'rejected',
        message: 'vetoed by alice during the cooling-off delay',
      },
    },
    {
      name: 'anyone may veto, even through any channel',
      attempt: { principal: 'aiops-dns-agent', channel: 'ui', reason: 'stop' },
      expected: {
        counted: true,
        status: 'rejected',
        message: 'vetoed by aiops-dns-agent during the cooling-off delay',
      },
    },
    {
      name: 'a veto naming another plan is refused',
      attempt: { principal: 'alice', planHash: otherHash, reason: 'stop' },
      expected: { counted: false, code: 'plan_hash_mismatch' },
    },
    {
      name: 'a veto without a reason is refused',
      attempt: { principal: 'alice', reason: '   ' },
      expected: { counted: false, code: 'missing_reason' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const verdict = reviewVeto(request({ channels: ['signed'] }), attempt(c.attempt));
      if (c.expected.counted) assert.deepEqual(verdict, c.expected);
      else {
        assert.equal(verdict.counted, false);
        assert.equal(!verdict.counted && verdict.code, c.expected.code);
      }
    });
  }
});

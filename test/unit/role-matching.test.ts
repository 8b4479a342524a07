import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RoleCount } from '../../src/policy/decision';
import { missingSeats, seating, seatsFilled, seatsOf } from '../../src/approvals/role-matching';

type Approvers = readonly (readonly string[] | undefined)[];

const sreAndOwner: readonly RoleCount[] = [
  { role: 'sre', count: 1 },
  { role: 'service-owner', count: 1 },
];

describe('seatsOf', () => {
  const cases: readonly {
    name: string;
    count: number;
    roles: readonly RoleCount[];
    seats: readonly string[];
  }[] = [
    { name: 'no approvals required', count: 0, roles: [], seats: [] },
    { name: 'any two approvers', count: 2, roles: [], seats: ['*', '*'] },
    { name: 'one seat per role', count: 2, roles: sreAndOwner, seats: ['sre', 'service-owner'] },
    { name: 'a role needed twice', count: 2, roles: [{ role: 'sre', count: 2 }], seats: ['sre', 'sre'] },
    {
      name: 'count above the role total adds "any" seats',
      count: 3,
      roles: [{ role: 'sre', count: 1 }],
      seats: ['sre', '*', '*'],
    },
    {
      name: 'count above two role seats adds one "any" seat',
      count: 3,
      roles: sreAndOwner,
      seats: ['sre', 'service-owner', '*'],
    },
    {
      name: 'count below the role total adds no "any" seat',
      count: 1,
      roles: sreAndOwner,
      seats: ['sre', 'service-owner'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(seatsOf(c.count, c.roles), c.seats);
    });
  }
});

interface MatchCase {
  readonly name: string;
  readonly count: number;
  readonly roles: readonly RoleCount[];
  readonly approvers: Approvers;
  readonly filled: number;
  readonly missing: string;
}

const matchCases: readonly MatchCase[] = [
  {
    name: 'nobody yet: every seat missing',
    count: 2,
    roles: sreAndOwner,
    approvers: [],
    filled: 0,
    missing: '1 sre + 1 service-owner',
  },
  {
    name: 'one person holding both roles fills only one seat (distinct people)',
    count: 2,
    roles: sreAndOwner,
    approvers: [['sre', 'service-owner']],
    filled: 1,
    missing: '1 service-owner',
  },
  {
    name: 'carol [sre, service-owner] then alice [sre]: re-assignment fills both seats',
    count: 2,
    roles: sreAndOwner,
    approvers: [['sre', 'service-owner'], ['sre']],
    filled: 2,
    missing: '',
  },
  {
    name: 'alice [sre] then carol [sre, service-owner]: both seats filled',
    count: 2,
    roles: sreAndOwner,
    approvers: [['sre'], ['sre', 'service-owner']],
    filled: 2,
    missing: '',
  },
  {
    name: 'two sres cannot fill the service-owner seat',
    count: 2,
    roles: sreAndOwner,
    approvers: [['sre'], ['sre']],
    filled: 1,
    missing: '1 service-owner',
  },
  {
    name: 'an approver without a needed role fills no role seat',
    count: 2,
    roles: sreAndOwner,
    approvers: [['dba']],
    filled: 0,
    missing: '1 sre + 1 service-owner',
  },
  {
    name: 'extra "any" seat taken by an approver without a needed role',
    count: 3,
    roles: [{ role: 'sre', count: 1 }],
    approvers: [['dba']],
    filled: 1,
    missing: '1 sre + 1 more approver',
  },
  {
    name: 'extra "any" seats: sre, dba and an approver with no roles fill all three',
    count: 3,
    roles: [{ role: 'sre', count: 1 }],
    approvers: [['sre'], ['dba'], []],
    filled: 3,
    missing: '',
  },
  {
    name: 'extra "any" seats: an sre takes the sre seat first',
    count: 3,
    roles: [{ role: 'sre', count: 1 }],
    approvers: [['sre']],
    filled: 1,
    missing: '2 more approver',
  },
  {
    name: 'any-approver seats only',
    count: 2,
    roles: [],
    approvers: [['dba']],
    filled: 1,
    missing: '1 more approver',
  },
  {
    name: 'unknown roles (undefined) fill any seat',
    count: 2,
    roles: sreAndOwner,
    approvers: [undefined, undefined],
    filled: 2,
    missing: '',
  },
  {
    name: 'unknown roles first, then an sre: the unknown approver moves to the service-owner seat',
    count: 2,
    roles: sreAndOwner,
    approvers: [undefined, ['sre']],
    filled: 2,
    missing: '',
  },
  {
    name: 'one unknown approver fills one of two role seats',
    count: 2,
    roles: sreAndOwner,
    approvers: [undefined],
    filled: 1,
    missing: '1 service-owner',
  },
  {
    name: 'a role needed twice: one sre and one service-owner',
    count: 2,
    roles: [{ role: 'sre', count: 2 }],
    approvers: [['sre'], ['service-owner']],
    filled: 1,
    missing: '1 sre',
  },
  {
    name: 'more approvers than seats never fill more than the seats',
    count: 2,
    roles: [],
    approvers: [['sre'], ['sre'], undefined, []],
    filled: 2,
    missing: '',
  },
  {
    name: 'a chain of re-assignments',
    count: 3,
    roles: [
      { role: 'a', count: 1 },
      { role: 'b', count: 1 },
      { role: 'c', count: 1 },
    ],
    approvers: [['a', 'b'], ['a', 'c'], ['a']],
    filled: 3,
    missing: '',
  },
];

describe('seatsFilled and missingSeats', () => {
  for (const c of matchCases) {
    it(c.name, () => {
      const seats = seatsOf(c.count, c.roles);
      assert.equal(seatsFilled(seats, c.approvers), c.filled);
      assert.equal(missingSeats(seats, c.approvers), c.missing);
    });
  }
});

describe('seating', () => {
  for (const c of matchCases) {
    it(`seats distinct approvers who may sit there: ${c.name}`, () => {
      const seats = seatsOf(c.count, c.roles);
      const holder = seating(seats, c.approvers);
      assert.equal(holder.length, seats.length);
      const seated = holder.filter((h) => h !== -1);
      assert.equal(new Set(seated).size, seated.length, 'an approver sits in two seats');
      holder.forEach((h, s) => {
        if (h === -1) return;
        const seat = seats[s]!;
        const roles = c.approvers[h];
        assert.ok(
          seat === '*' || roles === undefined || roles.includes(seat),
          `approver ${h} may not sit in seat ${seat}`,
        );
      });
    });
  }

  it('re-assigns carol from the sre seat to the service-owner seat for alice', () => {
    assert.deepEqual(seating(['sre', 'service-owner'], [['sre', 'service-owner'], ['sre']]), [1, 0]);
  });

  it('leaves a seat nobody can fill at -1', () => {
    assert.deepEqual(seating(['sre', 'service-owner'], [['sre'], ['sre']]), [0, -1]);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Plan, PlanOperation, RRset } from '../../src/plan/plan';
import { describePlan, invertPlan, recordsTouched, rrsetEquals } from '../../src/plan/plan';
import { computePlan } from '../../src/kinds/kinds';
import type { RrsetChange } from './fixtures';
import { addresses, remove, rrset, upsert, validRec } from './fixtures';

const www = 'www.example.com.';

function planOf(change: RrsetChange, live: RRset | null): Plan {
  const result = computePlan(validRec('production', change), live);
  if (!result.ok) throw new Error(`expected a plan, got ${result.message}`);
  return result.plan;
}

describe('computePlan', () => {
  const cases: {
    name: string;
    change: RrsetChange;
    live: RRset | null;
    operation: PlanOperation;
    before: RRset | null;
    after: RRset | null;
  }[] = [
    {
      name: 'create when nothing is live',
      change: upsert('www.example.com', 'A', ['192.0.2.2', '192.0.2.1']),
      live: null,
      operation: 'create',
      before: null,
      after: rrset(www, 'A', ['192.0.2.1', '192.0.2.2']),
    },
    {
      name: 'update when records differ',
      change: upsert('www.example.com', 'A', ['192.0.2.9']),
      live: rrset(www, 'A', ['192.0.2.1']),
      operation: 'update',
      before: rrset(www, 'A', ['192.0.2.1']),
      after: rrset(www, 'A', ['192.0.2.9']),
    },
    {
      name: 'update when only the TTL differs',
      change: upsert('www.example.com', 'A', ['192.0.2.1'], 600),
      live: rrset(www, 'A', ['192.0.2.1'], 300),
      operation: 'update',
      before: rrset(www, 'A', ['192.0.2.1'], 300),
      after: rrset(www, 'A', ['192.0.2.1'], 600),
    },
    {
      name: 'update sorts the live records',
      change: upsert('www.example.com', 'A', ['192.0.2.3']),
      live: rrset(www, 'A', ['192.0.2.2', '192.0.2.1']),
      operation: 'update',
      before: rrset(www, 'A', ['192.0.2.1', '192.0.2.2']),
      after: rrset(www, 'A', ['192.0.2.3']),
    },
    {
      name: 'delete of a live RRset',
      change: remove('www.example.com', 'A'),
      live: rrset(www, 'A', ['192.0.2.1']),
      operation: 'delete',
      before: rrset(www, 'A', ['192.0.2.1']),
      after: null,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planOf(c.change, c.live);
      assert.equal(plan.operation, c.operation);
      assert.equal(plan.zone, 'example.com.');
      assert.equal(plan.name, www);
      assert.equal(plan.type, c.change.type);
      assert.deepEqual(plan.before, c.before);
      assert.deepEqual(plan.after, c.after);
      assert.match(plan.hash, /^[0-9a-f]{64}$/);
    });
  }

  const noOps: { name: string; change: RrsetChange; live: RRset | null; message: RegExp }[] = [
    {
      name: 'upsert of exactly the live records and TTL',
      change: upsert('www.example.com', 'A', ['192.0.2.1', '192.0.2.2']),
      live: rrset(www, 'A', ['192.0.2.2', '192.0.2.1']),
      message: /already holds exactly these records and TTL/,
    },
    {
      name: 'delete of an absent RRset',
      change: remove('www.example.com', 'A'),
      live: null,
      message: /does not exist: nothing to delete/,
    },
  ];
  for (const c of noOps) {
    it(`no-op: ${c.name}`, () => {
      const result = computePlan(validRec('production', c.change), c.live);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.code, 'no_op');
      assert.match(result.message, c.message);
      assert.ok(result.message.includes('www.example.com. A'), result.message);
    });
  }
});

describe('plan hash', () => {
  it('is stable under the order of the proposed records', () => {
    const live = rrset(www, 'A', ['192.0.2.1']);
    const a = planOf(upsert('www.example.com', 'A', ['192.0.2.2', '192.0.2.3']), live);
    const b = planOf(upsert('www.example.com', 'A', ['192.0.2.3', '192.0.2.2']), live);
    assert.equal(a.hash, b.hash);
  });

  it('is stable under the order of the live records', () => {
    const change = upsert('www.example.com', 'A', ['192.0.2.9']);
    const a = planOf(change, rrset(www, 'A', ['192.0.2.1', '192.0.2.2']));
    const b = planOf(change, rrset(www, 'A', ['192.0.2.2', '192.0.2.1']));
    assert.equal(a.hash, b.hash);
  });

  const base = {
    change: upsert('www.example.com', 'A', ['192.0.2.9']),
    live: rrset(www, 'A', ['192.0.2.1']),
  };
  const variants: { name: string; change: RrsetChange; live: RRset | null }[] = [
    { name: 'after records', change: upsert('www.example.com', 'A', ['192.0.2.8']), live: base.live },
    { name: 'after TTL', change: upsert('www.example.com', 'A', ['192.0.2.9'], 301), live: base.live },
    { name: 'before records', change: base.change, live: rrset(www, 'A', ['192.0.2.2']) },
    { name: 'before TTL', change: base.change, live: rrset(www, 'A', ['192.0.2.1'], 60) },
    { name: 'before absent', change: base.change, live: null },
    { name: 'owner name', change: upsert('api.example.com', 'A', ['192.0.2.9']), live: base.live },
  ];
  for (const v of variants) {
    it(`differs when the ${v.name} differ`, () => {
      assert.notEqual(planOf(v.change, v.live).hash, planOf(base.change, base.live).hash);
    });
  }

  it('does not depend on how the recommendation was formatted', () => {
    const a = planOf(upsert('WWW.Example.com', 'AAAA', ['2001:DB8:0:0:0:0:0:1']), null);
    const b = planOf(upsert('www.example.com.', 'AAAA', ['2001:db8::1']), null);
    assert.equal(a.hash, b.hash);
  });
});

describe('invertPlan', () => {
  const cases: { name: string; change: RrsetChange; live: RRset | null; inverse: PlanOperation }[] = [
    { name: 'create', change: upsert('www.example.com', 'A', ['192.0.2.1']), live: null, inverse: 'delete' },
    {
      name: 'update',
      change: upsert('www.example.com', 'A', ['192.0.2.2']),
      live: rrset(www, 'A', ['192.0.2.1']),
      inverse: 'update',
    },
    {
      name: 'delete',
      change: remove('www.example.com', 'A'),
      live: rrset(www, 'A', ['192.0.2.1']),
      inverse: 'create',
    },
  ];
  for (const c of cases) {
    it(`inverts a ${c.name} into a ${c.inverse}, and back to the original`, () => {
      const plan = planOf(c.change, c.live);
      const inverse = invertPlan(plan);
      assert.equal(inverse.operation, c.inverse);
      assert.deepEqual(inverse.before, plan.after);
      assert.deepEqual(inverse.after, plan.before);
      assert.notEqual(inverse.hash, plan.hash);
      const back = invertPlan(inverse);
      assert.equal(back.hash, plan.hash);
      assert.deepEqual(back, plan);
    });
  }
});

describe('recordsTouched', () => {
  const cases: { name: string; change: RrsetChange; live: RRset | null; touched: number }[] = [
    { name: 'create of 3', change: upsert('www.example.com', 'A', addresses(3)), live: null, touched: 3 },
    {
      name: 'delete of 4',
      change: remove('www.example.com', 'A'),
      live: rrset(www, 'A', addresses(4)),
      touched: 4,
    },
    {
      name: 'add one to two',
      change: upsert('www.example.com', 'A', addresses(3)),
      live: rrset(www, 'A', addresses(2)),
      touched: 1,
    },
    {
      name: 'replace one of two',
      change: upsert('www.example.com', 'A', ['192.0.2.1', '192.0.2.9']),
      live: rrset(www, 'A', addresses(2)),
      touched: 2,
    },
    {
      name: 'replace 6 with 6 others',
      change: upsert('www.example.com', 'A', addresses(6, 101)),
      live: rrset(www, 'A', addresses(6)),
      touched: 12,
    },
    {
      name: 'TTL only, 3 records rewritten',
      change: upsert('www.example.com', 'A', addresses(3), 600),
      live: rrset(www, 'A', addresses(3)),
      touched: 3,
    },
    {
      name: 'TTL and add one to two: 2 rewritten + 1 added',
      change: upsert('www.example.com', 'A', addresses(3), 600),
      live: rrset(www, 'A', addresses(2)),
      touched: 3,
    },
    {
      // Regression: the count was once max(|before|, |after|) = 6, lower than the 12 of the same
      // replacement without a TTL change, which let a wide change pass the two-key scope check.
      name: 'TTL and replace 6 with 6 others',
      change: upsert('www.example.com', 'A', addresses(6, 101), 600),
      live: rrset(www, 'A', addresses(6)),
      touched: 12,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(recordsTouched(planOf(c.change, c.live)), c.touched);
    });
  }

  it('a TTL change never lowers the count', () => {
    const live = rrset(www, 'A', addresses(6));
    const same = recordsTouched(planOf(upsert('www.example.com', 'A', addresses(6, 101), 300), live));
    const withTtl = recordsTouched(planOf(upsert('www.example.com', 'A', addresses(6, 101), 600), live));
    assert.ok(withTtl >= same, `with a TTL change ${withTtl}, without ${same}`);
  });
});

describe('describePlan', () => {
  const cases: { name: string; change: RrsetChange; live: RRset | null; lines: string[] }[] = [
    {
      name: 'create',
      change: upsert('www.example.com', 'A', ['192.0.2.2', '192.0.2.1']),
      live: null,
      lines: ['+ www.example.com. 300 A 192.0.2.1', '+ www.example.com. 300 A 192.0.2.2'],
    },
    {
      name: 'update keeps unchanged records out of the diff',
      change: upsert('www.example.com', 'A', ['192.0.2.1', '192.0.2.3']),
      live: rrset(www, 'A', ['192.0.2.1', '192.0.2.2']),
      lines: ['- www.example.com. 300 A 192.0.2.2', '+ www.example.com. 300 A 192.0.2.3'],
    },
    {
      name: 'TTL change shows every record',
      change: upsert('www.example.com', 'A', ['192.0.2.1'], 60),
      live: rrset(www, 'A', ['192.0.2.1'], 300),
      lines: ['- www.example.com. 300 A 192.0.2.1', '+ www.example.com. 60 A 192.0.2.1'],
    },
    {
      name: 'delete',
      change: remove('www.example.com', 'TXT'),
      live: rrset(www, 'TXT', ['"v=spf1 -all"']),
      lines: ['- www.example.com. 300 TXT "v=spf1 -all"'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(describePlan(planOf(c.change, c.live)), c.lines);
    });
  }
});

describe('rrsetEquals', () => {
  const a = rrset(www, 'A', ['192.0.2.1', '192.0.2.2']);
  const cases: { name: string; left: RRset | null; right: RRset | null; equal: boolean }[] = [
    { name: 'both null', left: null, right: null, equal: true },
    { name: 'one null', left: a, right: null, equal: false },
    {
      name: 'same records in another order',
      left: a,
      right: rrset(www, 'A', ['192.0.2.2', '192.0.2.1']),
      equal: true,
    },
    { name: 'different TTL', left: a, right: { ...a, ttl: 60 }, equal: false },
    { name: 'different type', left: a, right: { ...a, type: 'AAAA' }, equal: false },
    { name: 'different name', left: a, right: { ...a, name: 'api.example.com.' }, equal: false },
    { name: 'subset', left: a, right: rrset(www, 'A', ['192.0.2.1']), equal: false },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.equal}`, () => {
      assert.equal(rrsetEquals(c.left, c.right), c.equal);
    });
  }
});

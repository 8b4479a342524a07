import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requireDefaultPolicy } from '../../activities/policy/policy-files';
import { exampleRecommendation } from '../../src/examples';
import { formatIssues } from '../../src/issues';
import { liftPlanOf } from '../../src/kinds/guard';
import { setLock } from '../../src/kinds/registrar-set-lock';
import { computePlan, describeChange, describeRollback, isReversible } from '../../src/kinds/kinds';
import type { RRset } from '../../src/plan/plan';
import { invertPlan } from '../../src/plan/plan';
import { evaluatePolicy } from '../../src/policy/evaluate';
import { factsOf } from '../../src/policy/facts';
import type { Change, Environment, Recommendation } from '../../src/schema/recommendation';
import { validateRecommendation } from '../../src/schema/validate-recommendation';
import { parseDuration } from '../../src/policy/duration';

const domain = 'shop.example.';
const ds1 = '12345 13 2 3490a6806d47f17a34c29e2ce80e8a999ffbe4be4b4e5c6d7e8f90a1b2c3d4e5';
const ds2 = '54321 13 2 aaaaa6806d47f17a34c29e2ce80e8a999ffbe4be4b4e5c6d7e8f90a1b2c3d4e5';

function rec(change: unknown, environment: Environment = 'production', zone = domain): unknown {
  return exampleRecommendation({ id: 'r-1', zone, environment, change: change as Change });
}

function valid(change: unknown, environment: Environment = 'production'): Recommendation {
  const result = validateRecommendation(rec(change, environment));
  if (!result.ok) throw new Error(formatIssues(result.issues));
  return result.value;
}

const aspect = (type: string, records: string[]): RRset => ({ name: domain, type, ttl: 0, records });

describe('registrar kinds: validation', () => {
  const accepted: {
    name: string;
    change: unknown;
    normalised?: (r: Recommendation) => unknown;
    expected?: unknown;
  }[] = [
    {
      name: 'nameservers, normalised absolute, sorted, unique',
      change: {
        kind: 'registrar.set_nameservers',
        nameservers: ['NS2.host.net', 'ns1.host.net.', 'ns2.host.net'],
      },
      normalised: (r) => (r.change as { nameservers: string[] }).nameservers,
      expected: ['ns1.host.net.', 'ns2.host.net.'],
    },
    {
      name: 'lock with every status by default',
      change: { kind: 'registrar.set_lock', locked: true },
      normalised: (r) => (r.change as { statuses: string[] }).statuses,
      expected: ['clientDeleteProhibited', 'clientTransferProhibited', 'clientUpdateProhibited'],
    },
    {
      name: 'DS canonical (lowercase hex)',
      change: { kind: 'registrar.add_ds', ds: [ds1.toUpperCase().replace(/^12345 13 2/, '12345 13 2')] },
      normalised: (r) => (r.change as { ds: string[] }).ds,
      expected: [ds1],
    },
    { name: 'remove every DS', change: { kind: 'registrar.remove_ds', ds: 'all' } },
    {
      name: 'nameservers inside the domain with their glue, addresses canonical',
      change: {
        kind: 'registrar.set_nameservers',
        nameservers: ['ns1.shop.example', 'ns2.host.net'],
        glue: { 'NS1.shop.example': ['2001:DB8::53', '192.0.2.53'] },
      },
      normalised: (r) => (r.change as { glue?: unknown }).glue,
      expected: { 'ns1.shop.example.': ['192.0.2.53', '2001:db8::53'] },
    },
    {
      name: 'transfer request with an auth code reference',
      change: {
        kind: 'registrar.transfer',
        action: 'request',
        authCode: { secretRef: 'transfer/shop.example' },
      },
    },
    { name: 'approve an outgoing transfer', change: { kind: 'registrar.transfer', action: 'approve' } },
    {
      name: 'contacts',
      change: { kind: 'registrar.update_contacts', tech: ['tech-01'], registrant: 'owner-1' },
    },
  ];
  for (const c of accepted)
    it(`accepts ${c.name}`, () => {
      const value = valid(c.change);
      if (c.normalised !== undefined) assert.deepEqual(c.normalised(value), c.expected);
    });

  const refused: { name: string; change: unknown; zone?: string; path: string; code: string }[] = [
    {
      name: 'one nameserver',
      change: { kind: 'registrar.set_nameservers', nameservers: ['ns1.host.net'] },
      path: 'change.nameservers',
      code: 'too_small',
    },
    {
      name: 'a bad host name',
      change: { kind: 'registrar.set_nameservers', nameservers: ['ns1.host.net', 'bad..host'] },
      path: 'change.nameservers[1]',
      code: 'invalid_name',
    },
    {
      name: 'a nameserver inside the domain without glue',
      change: { kind: 'registrar.set_nameservers', nameservers: ['ns1.shop.example', 'ns2.host.net'] },
      path: 'change.glue',
      code: 'missing_glue',
    },
    {
      name: 'glue for a host outside the domain',
      change: {
        kind: 'registrar.set_nameservers',
        nameservers: ['ns1.host.net', 'ns2.host.net'],
        glue: { 'ns1.host.net': ['192.0.2.1'] },
      },
      path: 'change.glue["ns1.host.net"]',
      code: 'unexpected_glue',
    },
    {
      name: 'glue that is not an address',
      change: {
        kind: 'registrar.set_nameservers',
        nameservers: ['ns1.shop.example', 'ns2.host.net'],
        glue: { 'ns1.shop.example': ['192.0.2.300'] },
      },
      path: 'change.glue["ns1.shop.example"][0]',
      code: 'invalid_address',
    },
    {
      name: 'a top-level domain',
      change: { kind: 'registrar.set_lock', locked: true },
      zone: 'example.',
      path: 'target.zone',
      code: 'invalid_domain',
    },
    {
      name: 'a server status',
      change: { kind: 'registrar.set_lock', locked: true, statuses: ['serverUpdateProhibited'] },
      path: 'change.statuses[0]',
      code: 'invalid_value',
    },
    {
      name: 'malformed DS',
      change: { kind: 'registrar.add_ds', ds: ['12345 13 2 xyz'] },
      path: 'change.ds[0]',
      code: 'invalid_rdata',
    },
    {
      name: 'a transfer request without auth code',
      change: { kind: 'registrar.transfer', action: 'request' },
      path: 'change.authCode',
      code: 'missing_field',
    },
    {
      name: 'an auth code sent inline',
      change: { kind: 'registrar.transfer', action: 'request', authCode: 'Secr3t!' },
      path: 'change.authCode',
      code: 'invalid_type',
    },
    {
      name: 'an auth code with an approval',
      change: { kind: 'registrar.transfer', action: 'approve', authCode: { secretRef: 'x' } },
      path: 'change.authCode',
      code: 'unexpected_field',
    },
    {
      name: 'a secret name climbing out',
      change: { kind: 'registrar.transfer', action: 'request', authCode: { secretRef: '../etc/passwd' } },
      path: 'change.authCode.secretRef',
      code: 'invalid_format',
    },
    {
      name: 'contacts naming no role',
      change: { kind: 'registrar.update_contacts' },
      path: 'change',
      code: 'custom',
    },
    {
      name: 'an unknown field',
      change: { kind: 'registrar.set_lock', locked: true, force: true },
      path: 'change',
      code: 'unrecognized_keys',
    },
  ];
  for (const c of refused)
    it(`refuses ${c.name}, naming ${c.path}`, () => {
      const result = validateRecommendation(rec(c.change, 'production', c.zone ?? domain));
      assert.equal(result.ok, false);
      if (result.ok) return;
      const issue = result.issues.find((i) => i.path === c.path);
      assert.ok(issue !== undefined, formatIssues(result.issues));
      assert.equal(issue.code, c.code, formatIssues(result.issues));
    });
});

describe('registrar kinds: plans against live registry state', () => {
  const locked = aspect('LOCK', ['clientTransferProhibited', 'clientUpdateProhibited']);
  const cases: {
    name: string;
    change: unknown;
    live: RRset | null;
    locks?: RRset | null;
    before: string[] | null;
    after: string[] | null;
    lift?: string[];
  }[] = [
    {
      name: 'nameservers replaced, locked domain lifts its update lock',
      change: { kind: 'registrar.set_nameservers', nameservers: ['ns1.new.net', 'ns2.new.net'] },
      live: aspect('NS', ['ns1.old.net.', 'ns2.old.net.']),
      locks: locked,
      before: ['ns1.old.net.', 'ns2.old.net.'],
      after: ['ns1.new.net.', 'ns2.new.net.'],
      lift: ['clientUpdateProhibited'],
    },
    {
      name: 'nameservers on an unlocked domain: no guard',
      change: { kind: 'registrar.set_nameservers', nameservers: ['ns1.new.net', 'ns2.new.net'] },
      live: aspect('NS', ['ns1.old.net.', 'ns2.old.net.']),
      locks: null,
      before: ['ns1.old.net.', 'ns2.old.net.'],
      after: ['ns1.new.net.', 'ns2.new.net.'],
    },
    {
      name: 'unlock removes only the statuses named',
      change: { kind: 'registrar.set_lock', locked: false, statuses: ['clientTransferProhibited'] },
      live: locked,
      before: ['clientTransferProhibited', 'clientUpdateProhibited'],
      after: ['clientUpdateProhibited'],
    },
    {
      name: 'DS added next to the one there',
      change: { kind: 'registrar.add_ds', ds: [ds2] },
      live: aspect('DS', [ds1]),
      before: [ds1],
      after: [ds1, ds2],
    },
    {
      name: 'every DS removed',
      change: { kind: 'registrar.remove_ds', ds: 'all' },
      live: aspect('DS', [ds1, ds2]),
      before: [ds1, ds2],
      after: null,
    },
    {
      name: 'tech contact replaced, other roles kept',
      change: { kind: 'registrar.update_contacts', tech: ['tech-02'] },
      live: aspect('CONTACT', ['admin:adm-1', 'registrant:own-1', 'tech:tech-01']),
      before: ['admin:adm-1', 'registrant:own-1', 'tech:tech-01'],
      after: ['admin:adm-1', 'registrant:own-1', 'tech:tech-02'],
    },
    {
      name: 'transfer request from another registrar',
      change: { kind: 'registrar.transfer', action: 'request', authCode: { secretRef: 'transfer/shop' } },
      live: aspect('TRANSFER', ['sponsor:other-registrar']),
      before: ['sponsor:other-registrar'],
      after: ['sponsor:self'],
    },
    {
      name: 'outgoing transfer approved',
      change: { kind: 'registrar.transfer', action: 'approve' },
      live: aspect('TRANSFER', ['pending:other-registrar', 'sponsor:self']),
      before: ['pending:other-registrar', 'sponsor:self'],
      after: ['sponsor:other-registrar'],
    },
    {
      name: 'outgoing transfer rejected',
      change: { kind: 'registrar.transfer', action: 'reject' },
      live: aspect('TRANSFER', ['pending:other-registrar', 'sponsor:self']),
      before: ['pending:other-registrar', 'sponsor:self'],
      after: ['sponsor:self'],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const planned = computePlan(valid(c.change), { live: c.live, locks: c.locks ?? null });
      assert.ok(planned.ok, planned.ok ? '' : planned.message);
      const { plan } = planned;
      assert.deepEqual(plan.before?.records ?? null, c.before);
      assert.deepEqual(plan.after?.records ?? null, c.after);
      assert.equal(plan.kind, (c.change as { kind: string }).kind);
      assert.deepEqual(plan.guard?.lift, c.lift);
      assert.ok(describeChange(plan).length > 0);
    });

  const refused: { name: string; change: unknown; live: RRset | null; code: string; message: RegExp }[] = [
    {
      name: 'nameservers already the ones asked',
      change: { kind: 'registrar.set_nameservers', nameservers: ['ns1.a.net', 'ns2.a.net'] },
      live: aspect('NS', ['ns1.a.net.', 'ns2.a.net.']),
      code: 'no_op',
      message: /already ns1\.a\.net\., ns2\.a\.net\./,
    },
    {
      name: 'a transfer of a domain already ours',
      change: { kind: 'registrar.transfer', action: 'request', authCode: { secretRef: 'transfer/shop' } },
      live: aspect('TRANSFER', ['sponsor:self']),
      code: 'no_op',
      message: /already sponsored by this registrar/,
    },
    {
      name: "a request while another registrar's transfer is pending",
      change: { kind: 'registrar.transfer', action: 'request', authCode: { secretRef: 'transfer/shop' } },
      live: aspect('TRANSFER', ['pending:third-registrar', 'sponsor:other-registrar']),
      code: 'transfer_pending',
      message: /to third-registrar is pending/,
    },
    {
      name: 'approving when nothing is pending',
      change: { kind: 'registrar.transfer', action: 'approve' },
      live: aspect('TRANSFER', ['sponsor:self']),
      code: 'no_pending_transfer',
      message: /nothing to approve/,
    },
    {
      name: 'approving our own request',
      change: { kind: 'registrar.transfer', action: 'approve' },
      live: aspect('TRANSFER', ['pending:self', 'sponsor:other-registrar']),
      code: 'no_pending_transfer',
      message: /no transfer of shop\.example\. to another registrar/,
    },
  ];
  for (const c of refused)
    it(`refuses ${c.name}`, () => {
      const planned = computePlan(valid(c.change), { live: c.live, locks: null });
      assert.equal(planned.ok, false);
      if (planned.ok) return;
      assert.equal(planned.code, c.code);
      assert.match(planned.message, c.message);
    });

  it('the lock lift of a guarded plan lifts only what blocks the write; its inverse puts it back', () => {
    const planned = computePlan(valid({ kind: 'registrar.add_ds', ds: [ds1] }), {
      live: null,
      locks: locked,
    });
    assert.ok(planned.ok);
    const lift = liftPlanOf(planned.plan);
    assert.ok(lift !== null);
    assert.equal(lift.kind, 'registrar.set_lock');
    assert.deepEqual(lift.before?.records, ['clientTransferProhibited', 'clientUpdateProhibited']);
    assert.deepEqual(lift.after?.records, ['clientTransferProhibited']);
    assert.deepEqual(invertPlan(lift).after?.records, ['clientTransferProhibited', 'clientUpdateProhibited']);
    assert.match(describeChange(planned.plan).join('\n'), /lifts clientUpdateProhibited/);
  });

  it('a lock change the registry takes in two steps resumes from the first one, and only from it', () => {
    const planned = computePlan(
      valid({ kind: 'registrar.set_lock', locked: false, statuses: ['clientTransferProhibited'] }),
      {
        live: aspect('LOCK', [
          'clientDeleteProhibited',
          'clientTransferProhibited',
          'clientUpdateProhibited',
        ]),
      },
    );
    assert.ok(planned.ok);
    const resumable = (records: string[]) =>
      setLock.resumable?.(planned.plan, aspect('LOCK', records)) ?? false;
    assert.equal(resumable(['clientDeleteProhibited']), true, 'update lock lifted with the removal');
    assert.equal(
      resumable(['clientDeleteProhibited', 'clientTransferProhibited']),
      false,
      'only the update lock gone: not a state this write makes, someone else did',
    );
    assert.equal(
      resumable(['clientDeleteProhibited', 'clientUpdateProhibited']),
      false,
      'that is the target',
    );
    assert.equal(resumable([]), false, 'a kept lock went missing: moved, not half done');
    assert.equal(resumable(['clientDeleteProhibited', 'clientHold']), false, 'an unknown status: moved');
  });

  it('approvals bind to the locks too: the same change on a locked domain has another hash', () => {
    const change = valid({ kind: 'registrar.set_nameservers', nameservers: ['ns1.a.net', 'ns2.a.net'] });
    const unlocked = computePlan(change, { live: null, locks: null });
    const withLock = computePlan(change, { live: null, locks: locked });
    assert.ok(unlocked.ok && withLock.ok);
    assert.notEqual(unlocked.plan.hash, withLock.plan.hash);
  });

  it('a transfer is not reversible; its rollback line says so', () => {
    const planned = computePlan(valid({ kind: 'registrar.transfer', action: 'approve' }), {
      live: aspect('TRANSFER', ['pending:other-registrar', 'sponsor:self']),
    });
    assert.ok(planned.ok);
    assert.equal(isReversible(planned.plan), false);
    assert.match(describeRollback(planned.plan), /cannot be undone/);
  });
});

describe('registrar kinds under the shipped policy', () => {
  const decide = async (change: unknown, live: RRset | null, environment: Environment = 'production') => {
    const loaded = await requireDefaultPolicy();
    const r = valid(change, environment);
    const planned = computePlan(r, { live, locks: null });
    assert.ok(planned.ok, planned.ok ? '' : planned.message);
    return evaluatePolicy(
      loaded,
      factsOf(loaded.policy, r, planned.plan, { zoneRecords: null, now: new Date('2026-12-02T12:00:00Z') }),
    ).decision;
  };
  const longest = async () => {
    const loaded = await requireDefaultPolicy();
    return Math.max(
      ...loaded.policy.rules.map((r) =>
        r.decide.coolingOff === undefined ? 0 : parseDuration(r.decide.coolingOff),
      ),
    );
  };

  const cases: {
    name: string;
    change: unknown;
    live: RRset | null;
    environment?: Environment;
    longestCoolingOff: boolean;
  }[] = [
    {
      name: 'removing the lock',
      change: { kind: 'registrar.set_lock', locked: false },
      live: aspect('LOCK', ['clientTransferProhibited']),
      longestCoolingOff: true,
    },
    {
      name: 'a transfer request',
      change: { kind: 'registrar.transfer', action: 'request', authCode: { secretRef: 't/x' } },
      live: aspect('TRANSFER', ['sponsor:other']),
      longestCoolingOff: true,
    },
    {
      name: 'a transfer approval, even in staging',
      change: { kind: 'registrar.transfer', action: 'approve' },
      live: aspect('TRANSFER', ['pending:other', 'sponsor:self']),
      environment: 'staging',
      longestCoolingOff: true,
    },
    {
      name: 'setting the lock',
      change: { kind: 'registrar.set_lock', locked: true },
      live: null,
      longestCoolingOff: false,
    },
    {
      name: 'new nameservers',
      change: { kind: 'registrar.set_nameservers', nameservers: ['ns1.a.net', 'ns2.a.net'] },
      live: aspect('NS', ['ns1.b.net.', 'ns2.b.net.']),
      longestCoolingOff: false,
    },
    {
      name: 'a DS added in development',
      change: { kind: 'registrar.add_ds', ds: [ds1] },
      live: null,
      environment: 'development',
      longestCoolingOff: false,
    },
    {
      name: 'new contacts',
      change: { kind: 'registrar.update_contacts', admin: ['adm-2'] },
      live: aspect('CONTACT', ['admin:adm-1']),
      longestCoolingOff: false,
    },
  ];
  for (const c of cases)
    it(`${c.name}: dual control${c.longestCoolingOff ? ' with the longest cooling-off' : ''}`, async () => {
      const d = await decide(c.change, c.live, c.environment);
      assert.equal(d.tier, 3);
      assert.equal(d.route, 'approval');
      const roles = d.approvals.roles.map((r) => r.role);
      assert.ok(roles.includes('dns-admin') && roles.includes('security'), roles.join(', '));
      assert.ok(d.approvals.count >= 2);
      const max = await longest();
      if (c.longestCoolingOff) assert.equal(d.coolingOffSeconds, max);
      else assert.ok(d.coolingOffSeconds < max, `${d.coolingOffSeconds} s`);
    });
});

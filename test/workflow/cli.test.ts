import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { queryRrset } from '../../activities/dns/query';
import { createPolicySource } from '../../activities/policy/policy-store';
import type { ChangeView } from '../../src/change/view';
import { exampleRecommendation } from '../../src/examples';
import { runCli } from '../helpers/cli';
import { eventually } from '../helpers/eventually';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { createTestZone } from '../helpers/zones';

describe('countersign CLI end to end (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('submit, status, list, refused self-approval, approve, evidence', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const env = { TEMPORAL_ADDRESS: h.env.temporalAddress, COUNTERSIGN_TASK_QUEUE: id };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'countersign-cli-')), 'rec.json');
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      onBehalfOf: 'bob@example.com',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.44'] },
    });
    writeFileSync(file, JSON.stringify(rec));
    await withWorker(h, id, {}, async () => {
      const submitted = await runCli(['--json', 'submit', file], { env });
      assert.equal(submitted.code, 0, submitted.stderr);
      assert.deepEqual(JSON.parse(submitted.stdout), {
        workflowId: `change-${id}`,
        recommendationId: id,
        created: true,
      });
      const again = await runCli(['submit', file], { env });
      assert.equal(again.code, 0);
      assert.match(again.stdout, /already submitted/);

      await h.countersign(id).waitForState(id, ['awaiting_approval']);
      const status = await runCli(['--json', 'status', id], { env });
      assert.equal(status.code, 0, status.stderr);
      const view = JSON.parse(status.stdout) as ChangeView;
      assert.equal(view.state, 'awaiting_approval');
      const card = await runCli(['status', id], { env });
      assert.match(card.stdout, /\+ api\.[^ ]+ 300 A 192\.0\.2\.44/);

      const listed = await runCli(['--json', 'list', '--state', 'awaiting_approval'], { env });
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(
        (JSON.parse(listed.stdout) as { workflowId: string }[]).some((r) => r.workflowId === `change-${id}`),
      );

      const reviewed = (view.plan?.hash ?? '').slice(0, 16);
      const noHash = await runCli(
        ['approve', id, '--key', h.approvers.keyPath('alice@example.com'), '--reason', 'x'],
        { env },
      );
      assert.equal(noHash.code, 2, 'an approval must name the plan it approves');
      const wrongPlan = await runCli(
        [
          'approve',
          id,
          '--plan-hash',
          'deadbeefdeadbeef',
          '--key',
          h.approvers.keyPath('alice@example.com'),
          '--reason',
          'x',
        ],
        { env },
      );
      assert.equal(wrongPlan.code, 4);
      assert.match(wrongPlan.stdout, /refused \(plan_hash_mismatch\)/);
      // The change itself refused it, so the attempt is evidence, not just a local error.
      const recorded = (await h.countersign(id).evidence(id)).entries.find(
        (e) =>
          e.step === 'approve_refused' && (e.data as { planHash?: string }).planHash === 'deadbeefdeadbeef',
      );
      assert.equal((recorded?.data as { code?: string } | undefined)?.code, 'plan_hash_mismatch');
      const shortHash = await runCli(
        [
          'approve',
          id,
          '--plan-hash',
          'dead',
          '--key',
          h.approvers.keyPath('alice@example.com'),
          '--reason',
          'x',
        ],
        { env },
      );
      assert.equal(shortHash.code, 2, shortHash.stderr);
      assert.match(shortHash.stderr, /planHash: expected the plan hash you reviewed, 8 to 64 hex characters/);

      const self = await runCli(
        [
          'approve',
          id,
          '--plan-hash',
          reviewed,
          '--key',
          h.approvers.keyPath('bob@example.com'),
          '--reason',
          'mine',
        ],
        { env },
      );
      assert.equal(self.code, 4);
      assert.match(self.stdout, /refused \(excluded_principal\)/);

      const approved = await runCli(
        [
          '--json',
          'approve',
          id,
          '--plan-hash',
          reviewed,
          '--key',
          h.approvers.keyPath('alice@example.com'),
          '--reason',
          'reviewed the card',
        ],
        { env },
      );
      assert.equal(approved.code, 0, approved.stderr);
      assert.equal(
        (JSON.parse(approved.stdout) as { counted: boolean; planHash: string }).planHash,
        view.plan?.hash,
      );

      const done = await h.countersign(id).waitForState(id, ['executed', 'failed', 'rolled_back']);
      assert.equal(done.state, 'executed');
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.44']);

      const evidence = await runCli(['evidence', id], { env });
      assert.equal(evidence.code, 0, evidence.stderr);
      assert.match(evidence.stdout, /approve_refused +bob@example\.com/);
      assert.match(evidence.stdout, /chain verified: \d+ entries/);
      // Two logs, correlated: the write names the approval it followed.
      assert.match(evidence.stdout, /^DECISION LOG/m);
      // With tracing configured the CLI loads the OpenTelemetry stack and still works (an
      // unreachable collector loses spans, not the command).
      const traced = await runCli(['status', id], {
        env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
      });
      assert.equal(traced.code, 0, traced.stderr);
      assert.match(traced.stdout, /executed/);
      assert.match(evidence.stdout, /^OPERATION LOG/m);
      assert.match(
        evidence.stdout,
        /execute_applied .*← #\d+ (approve_counted|policy_rechecked|approvers_revalidated)/,
      );

      const late = await runCli(
        [
          'reject',
          id,
          '--plan-hash',
          reviewed,
          '--key',
          h.approvers.keyPath('dave@example.com'),
          '--reason',
          'late',
        ],
        { env },
      );
      assert.equal(late.code, 4, late.stderr);
      assert.match(late.stderr, /is closed \(executed\): nothing can be decided on it any more/);
    });
  });

  it('governor status shows budgets, queue, locks and breaker; --json the same as data; 3 for a scope never governed', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const env = { TEMPORAL_ADDRESS: h.env.temporalAddress, COUNTERSIGN_TASK_QUEUE: id };
    const cs = h.countersign(id);
    await withWorker(h, id, {}, async () => {
      const rec = exampleRecommendation({
        id,
        zone,
        environment: 'staging',
        change: {
          kind: 'dns.upsert_rrset',
          name: `www.${zone}`,
          type: 'A',
          ttl: 300,
          records: ['192.0.2.46'],
        },
      });
      assert.equal((await (await cs.submit(rec)).handle.result()).view.state, 'executed');
      const text = await runCli(['governor', 'status', `zone:${zone}`], { env });
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`governor of zone ${zone.replace(/\./g, '\\.')}`));
      assert.match(text.stdout, /proposals\s+1 of 30 per 1h/);
      assert.match(text.stdout, /automaticExecutions\s+1 of 10 per 1h/);
      assert.match(text.stdout, /circuit breaker: closed, 0 of 3 failures in window/);
      assert.match(text.stdout, /review queue: empty/);
      const json = await runCli(['--json', 'governor', 'status', 'tenant:acme'], { env });
      assert.equal(json.code, 0, json.stderr);
      const status = JSON.parse(json.stdout) as { scope: { kind: string }; counters: { admitted: number } };
      assert.equal(status.scope.kind, 'tenant');
      assert.equal(status.counters.admitted, 1);
      const none = await runCli(['governor', 'status', 'zone:never-governed.example.'], { env });
      assert.equal(none.code, 3);
      assert.match(none.stderr, /no governor for zone:never-governed\.example\. yet/);
    });
  });

  it('exits 3 for an unknown change', async (t) => {
    const run = await runCli(['status', `${slug(t)}-nothing`], {
      env: { TEMPORAL_ADDRESS: h.env.temporalAddress },
    });
    assert.equal(run.code, 3);
    assert.match(run.stderr, /no change/);
  });

  it('keygen writes a private key file readable by its owner only, and a key registered in the directory approves', async (t) => {
    const id = slug(t);
    const dir = mkdtempSync(path.join(tmpdir(), 'countersign-keygen-'));
    const keyFile = path.join(dir, 'frank.key.json');
    const made = await runCli([
      '--json',
      'keygen',
      '--as',
      'frank@example.com',
      '--out',
      keyFile,
      '--key-id',
      'frank-1',
    ]);
    assert.equal(made.code, 0, made.stderr);
    const out = JSON.parse(made.stdout) as { keyId: string; publicKey: string };
    assert.equal(out.keyId, 'frank-1');
    assert.match(out.publicKey, /^[A-Za-z0-9+/]{43}=$/);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(readFileSync(keyFile, 'utf8').includes(out.publicKey), true);
    // Refuses to overwrite an existing key.
    assert.equal((await runCli(['keygen', '--as', 'frank@example.com', '--out', keyFile])).code, 2);
    // --as must match the key file.
    const mismatch = await runCli(
      [
        'approve',
        id,
        '--key',
        keyFile,
        '--as',
        'alice@example.com',
        '--plan-hash',
        'a'.repeat(64),
        '--reason',
        'x',
      ],
      { env: { TEMPORAL_ADDRESS: h.env.temporalAddress } },
    );
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /does not match the key file/);
  });

  it('guides a dual-control change: who is left, the cooling-off and how to veto it, the veto queue, the roles it used', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const env = {
      TEMPORAL_ADDRESS: h.env.temporalAddress,
      COUNTERSIGN_TASK_QUEUE: id,
      COUNTERSIGN_APPROVERS: h.approvers.directoryPath,
    };
    const cs = h.countersign(id);
    await withWorker(h, id, { timings: { approvalExpirySeconds: 600, coolingOffSeconds: 600 } }, async () => {
      // The production apex MX: an SRE and a service owner, then cooling-off.
      await cs.submit(
        exampleRecommendation({
          id,
          zone,
          environment: 'production',
          change: { kind: 'dns.upsert_rrset', name: zone, type: 'MX', ttl: 3600, records: [`5 mx6.${zone}`] },
        }),
      );
      const waiting = await cs.waitForState(id, ['awaiting_approval']);
      const plan = waiting.approval?.planHash.slice(0, 16) ?? '';

      // The same identity options as approve: --as alone finds the roles in the worker's directory.
      const asDave = await eventually(async () => {
        const run = await runCli(['pending', '--as', 'dave@example.com'], { env });
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, new RegExp(`change-${id}`));
        return run.stdout;
      });
      assert.match(asDave, /^roles of dave@example\.com in .+: service-owner$/m);
      assert.match(asDave, /approve one: countersign approve <id>/);
      const agent = await runCli(['pending', '--as', 'aiops-dns-agent'], { env });
      assert.equal(agent.code, 2);
      assert.match(agent.stderr, /aiops-dns-agent is a service principal in the approver directory/);
      const noDirectory = await runCli(['pending', '--as', 'dave@example.com'], {
        env: { ...env, COUNTERSIGN_APPROVERS: '' },
      });
      assert.match(noDirectory.stdout, /no approver directory \(COUNTERSIGN_APPROVERS is not set\)/);

      const approve = (principal: string) =>
        runCli(
          [
            'approve',
            id,
            '--as',
            principal,
            '--key',
            h.approvers.keyPath(principal),
            '--plan-hash',
            plan,
            '--reason',
            'reviewed',
          ],
          { env },
        );
      const first = await approve('alice@example.com');
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^counted: approval 1 of 2 counted; still needed: 1 service-owner$/m);
      assert.match(
        first.stdout,
        /^1 of 2 approvals counted; 1 more needed by \S+, otherwise it expires and nothing is written$/m,
      );
      assert.match(
        first.stdout,
        new RegExp(`^another approver: countersign approve ${id} --key <key file> --plan-hash ${plan}`, 'm'),
      );

      const last = await approve('dave@example.com');
      assert.equal(last.code, 0, last.stderr);
      assert.match(
        last.stdout,
        /^every approval counted; cooling-off until \S+: it executes then, unless someone vetoes$/m,
      );
      assert.match(
        last.stdout,
        new RegExp(`^veto: countersign reject ${id} --key <key file> --plan-hash ${plan}`, 'm'),
      );

      // The veto queue lists it, with its end.
      const queue = await eventually(async () => {
        const run = await runCli(['pending', '--cooling-off'], { env });
        assert.match(run.stdout, new RegExp(`change-${id}  until \\S+  plan ${plan}`));
        return run.stdout;
      });
      assert.match(queue, /^in cooling-off, executing at the time shown unless vetoed/);

      const veto = await runCli(
        [
          'reject',
          id,
          '--key',
          h.approvers.keyPath('alice@example.com'),
          '--plan-hash',
          plan,
          '--reason',
          'wrong MX',
        ],
        { env },
      );
      assert.equal(veto.code, 0, veto.stderr);
      assert.match(veto.stdout, /^closed rejected: /m);
      assert.match(veto.stdout, new RegExp(`^what happened, step by step: countersign evidence ${id}$`, 'm'));

      // list: a header, newest first, with the requester.
      const listed = await eventually(async () => {
        const run = await runCli(['list', '--limit', '500'], { env });
        assert.match(run.stdout, new RegExp(`rejected .+change-${id}`));
        return run.stdout;
      });
      assert.match(listed, /^STARTED\s+STATE\s+TIER\s+REQUESTER\s+ENV\s+ZONE\s+CHANGE$/m);
      const started = listed
        .split('\n')
        .slice(1)
        .map((l) => l.slice(0, 19));
      assert.deepEqual(started, [...started].sort().reverse(), 'newest first');
    });
  });

  it('keygen warns before making a key for a service principal, whose approvals never count', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'countersign-keygen-'));
    const made = await runCli(
      ['keygen', '--as', 'aiops-dns-agent', '--out', path.join(dir, 'agent.key.json')],
      {
        env: { COUNTERSIGN_APPROVERS: h.approvers.directoryPath },
      },
    );
    assert.equal(made.code, 0, made.stderr);
    assert.match(
      made.stderr,
      /^warning: aiops-dns-agent is a service principal in .+: its approvals never count/,
    );
    const person = await runCli(
      ['keygen', '--as', 'frank@example.com', '--out', path.join(dir, 'frank.key.json')],
      {
        env: { COUNTERSIGN_APPROVERS: h.approvers.directoryPath },
      },
    );
    assert.equal(person.code, 0, person.stderr);
    assert.doesNotMatch(person.stderr, /warning/);
  });

  it('pending lists what waits on the caller: their roles, not their own changes', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const env = {
      TEMPORAL_ADDRESS: h.env.temporalAddress,
      COUNTERSIGN_TASK_QUEUE: id,
      COUNTERSIGN_APPROVERS: h.approvers.directoryPath,
    };
    const cs = h.countersign(id);
    await withWorker(h, id, {}, async () => {
      // Tier 2: one SRE. Tier 3 (apex MX): an SRE and a service owner. Bob is the requester of the first.
      await cs.submit(
        exampleRecommendation({
          id: `${id}-a`,
          zone,
          environment: 'production',
          onBehalfOf: 'bob@example.com',
          change: {
            kind: 'dns.upsert_rrset',
            name: `api.${zone}`,
            type: 'A',
            ttl: 300,
            records: ['192.0.2.45'],
          },
        }),
      );
      await cs.submit(
        exampleRecommendation({
          id: `${id}-mx`,
          zone,
          environment: 'production',
          change: { kind: 'dns.upsert_rrset', name: zone, type: 'MX', ttl: 3600, records: [`5 mx5.${zone}`] },
        }),
      );
      await cs.waitForState(`${id}-a`, ['awaiting_approval']);
      await cs.waitForState(`${id}-mx`, ['awaiting_approval']);
      const queue = async (principal: string) => {
        const run = await runCli(['--json', 'pending', '--key', h.approvers.keyPath(principal)], { env });
        assert.equal(run.code, 0, run.stderr);
        return (JSON.parse(run.stdout) as { changes: { workflowId: string; missing: string }[] }).changes
          .filter((r) => r.workflowId.startsWith(`change-${id}`))
          .map((r) => r.workflowId)
          .sort();
      };
      // The listing reads Temporal visibility, which may trail the workflows by a moment.
      const expectQueue = (principal: string, expected: string[], why: string) =>
        eventually(async () => assert.deepEqual(await queue(principal), expected, why));
      await expectQueue(
        'alice@example.com',
        [`change-${id}-a`, `change-${id}-mx`],
        'an SRE fills a seat of both',
      );
      await expectQueue(
        'dave@example.com',
        [`change-${id}-mx`],
        'a service owner only fills the tier 3 seat',
      );
      await expectQueue('bob@example.com', [`change-${id}-mx`], 'never your own change');
      const text = await runCli(['pending', '--key', h.approvers.keyPath('dave@example.com')], { env });
      assert.match(text.stdout, /needs 1 sre \+ 1 service-owner/);
      // The requester withdraws their own change with a signed rejection from the CLI.
      const planA = (await cs.status(`${id}-a`)).approval?.planHash ?? '';
      const withdrawn = await runCli(
        [
          'reject',
          `${id}-a`,
          '--key',
          h.approvers.keyPath('bob@example.com'),
          '--plan-hash',
          planA.slice(0, 12),
          '--reason',
          'no longer needed',
        ],
        { env },
      );
      assert.equal(withdrawn.code, 0, withdrawn.stdout + withdrawn.stderr);
      assert.match(withdrawn.stdout, /counted: rejected by bob@example\.com/);
      assert.equal((await cs.waitForState(`${id}-a`, ['rejected'])).state, 'rejected');
      await cs.handle(`${id}-mx`).terminate('test done');
    });
  });
  it('freeze, governor status, unfreeze, break-glass with its review, and exceptions from the CLI', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const env = { TEMPORAL_ADDRESS: h.env.temporalAddress, COUNTERSIGN_TASK_QUEUE: id };
    const key = (who: string) => h.approvers.keyPath(who);
    const scope = `zone:${zone}`;
    await withWorker(h, id, {}, async () => {
      const frozen = await runCli(
        [
          'freeze',
          '--scope',
          scope,
          '--until',
          '2h',
          '--reason',
          'resolver work',
          '--key',
          key('alice@example.com'),
        ],
        { env },
      );
      assert.equal(frozen.code, 0, frozen.stderr);
      assert.match(frozen.stdout, /froze zone:.* until .*: resolver work\nChanges in zone:.* now wait/);
      const shown = await runCli(['governor', 'status', scope], { env });
      assert.match(shown.stdout, /^freeze: FROZEN$/m);
      assert.match(shown.stdout, /by alice@example\.com since .* until .*: resolver work/);
      const json = JSON.parse((await runCli(['--json', 'governor', 'status', scope], { env })).stdout) as {
        overrides: { frozen: boolean; freezes: { by: string }[] };
      };
      assert.deepEqual([json.overrides.frozen, json.overrides.freezes[0]?.by], [true, 'alice@example.com']);
      const wrongRole = await runCli(
        ['unfreeze', '--scope', scope, '--reason', 'x', '--key', key('dave@example.com')],
        { env },
      );
      assert.equal(wrongRole.code, 4);
      assert.match(wrongRole.stderr, /none of the roles that may do this: sre, dns-admin/);
      assert.doesNotMatch(wrongRole.stderr, /\n\s+at /);
      const lifted = await runCli(
        ['unfreeze', '--scope', scope, '--reason', 'done', '--key', key('carol@example.com')],
        { env },
      );
      assert.equal(lifted.code, 0, lifted.stderr);

      const grant = await runCli(
        [
          '--json',
          'break-glass',
          '--scope',
          scope,
          '--for',
          '30m',
          '--incident',
          'INC-3',
          '--reason',
          'mail',
          '--key',
          key('alice@example.com'),
        ],
        { env },
      );
      assert.equal(grant.code, 0, grant.stderr);
      assert.equal((JSON.parse(grant.stdout) as { grantId: string }).grantId, 'bg-1');
      const ended = await runCli(
        ['break-glass', 'end', '--scope', scope, '--reason', 'fixed', '--key', key('alice@example.com')],
        { env },
      );
      assert.equal(ended.code, 0, ended.stderr);
      const own = await runCli(
        [
          'break-glass',
          'review',
          'bg-1',
          '--scope',
          scope,
          '--approve',
          '--reason',
          'ok',
          '--key',
          key('alice@example.com'),
        ],
        { env },
      );
      assert.equal(own.code, 4);
      assert.match(own.stderr, /may not review it: a different operator must/);
      const review = await runCli(
        [
          'break-glass',
          'review',
          'bg-1',
          '--scope',
          scope,
          '--reject',
          '--reason',
          'too broad',
          '--key',
          key('bob@example.com'),
        ],
        { env },
      );
      assert.equal(review.code, 0, review.stderr);
      assert.match(review.stdout, /rejected the retroactive review of bg-1/);

      const granted = await runCli(
        [
          'exceptions',
          'grant',
          'no-auto-mail',
          '--scope',
          scope,
          '--effect',
          'tighten:3',
          '--type',
          'MX',
          '--owner',
          'dave@example.com',
          '--justification',
          'mail migration',
          '--expires',
          '7d',
          '--incident',
          'INC-3',
          '--key',
          key('erin@example.com'),
        ],
        { env },
      );
      assert.equal(granted.code, 0, granted.stderr);
      const listed = await runCli(['--json', 'exceptions', 'list', '--scope', scope], { env });
      const rows = JSON.parse(listed.stdout) as {
        id: string;
        status: string;
        owner: string;
        approvedBy: string[];
      }[];
      assert.deepEqual(
        rows.map((r) => [r.id, r.status, r.owner, r.approvedBy.join()]),
        [['no-auto-mail', 'active', 'dave@example.com', 'erin@example.com']],
      );
      const text = await runCli(['exceptions', 'list'], { env });
      assert.match(
        text.stdout,
        /no-auto-mail \[active\] zone:.*: at least tier 3 for type MX; owner dave@example\.com/,
      );
      const revoked = await runCli(
        [
          'exceptions',
          'revoke',
          'no-auto-mail',
          '--scope',
          scope,
          '--reason',
          'done',
          '--key',
          key('alice@example.com'),
        ],
        { env },
      );
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(
        (await runCli(['exceptions', 'list', '--scope', scope], { env })).stdout,
        /^no exceptions$/m,
      );
    });
  });

  it('list --watch refreshes the table, says what moved, and stops cleanly on Ctrl-C', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const env = { TEMPORAL_ADDRESS: h.env.temporalAddress, COUNTERSIGN_TASK_QUEUE: id };
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.45'] },
    });
    await withWorker(h, id, {}, async () => {
      const cs = h.countersign(id);
      await cs.submit(rec);
      const waiting = await cs.waitForState(id, ['awaiting_approval']);
      let rejected = false;
      let decided: Promise<unknown> = Promise.resolve();
      const watched = await runCli(['list', '--watch', '0.5', '--limit', '200'], {
        env,
        interruptWhen: (out) => {
          // Once the waiting change is on screen, a person rejects it; stop when the table shows that.
          if (!rejected && out.includes(`change-${id}`)) {
            rejected = true;
            decided = cs.decide(id, {
              key: h.key('alice@example.com'),
              decision: 'reject',
              reason: 'watching it close',
              planHash: waiting.approval?.planHash ?? '',
            });
          }
          return out.includes(`change-${id}: awaiting_approval → rejected`);
        },
      });
      await decided;
      assert.equal(watched.code, 0, watched.stderr);
      assert.match(watched.stdout, /^STARTED +STATE +TIER +REQUESTER +ENV +ZONE +CHANGE$/m);
      assert.match(watched.stdout, /moved since the last refresh:/);
      assert.match(watched.stdout, /updated \d\d:\d\d:\d\d UTC · every 0\.5 s · Ctrl-C to stop/);
      const refused = await runCli(['list', '--watch', 'soon'], { env });
      assert.equal(refused.code, 2);
      assert.match(
        refused.stderr,
        /--watch: expected seconds between refreshes, 0\.5 to 3600, received soon/,
      );
    });
  });

  it('doctor: everything in place passes; each broken part fails with what to fix', async (t) => {
    const id = slug(t);
    const dir = mkdtempSync(path.join(tmpdir(), 'countersign-doctor-'));
    const good = {
      TEMPORAL_ADDRESS: h.env.temporalAddress,
      COUNTERSIGN_TASK_QUEUE: id,
      COUNTERSIGN_PDNS_API_URL: h.env.pdns.apiUrl,
      COUNTERSIGN_PDNS_API_KEY: h.env.pdns.apiKey,
      COUNTERSIGN_APPROVERS: h.approvers.directoryPath,
    };
    await withWorker(h, id, {}, async () => {
      const healthy = await runCli(['doctor'], { env: good });
      assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
      for (const name of [
        'worker settings',
        'Temporal',
        'namespace',
        'search attributes',
        'workers',
        'PowerDNS',
        'approver directory',
        'policy',
      ])
        assert.match(healthy.stdout, new RegExp(`^  ok    ${name} `, 'm'), healthy.stdout);
      assert.match(healthy.stdout, /everything countersign needs works\.$/m);
    });
    const brokenDirectory = path.join(dir, 'approvers.yaml');
    writeFileSync(brokenDirectory, 'humans: [{ id: 42 }]\n');
    const brokenPolicy = path.join(dir, 'policy.yaml');
    writeFileSync(brokenPolicy, 'version: broken\nrules: [');
    const broken = await runCli(['--json', 'doctor'], {
      env: {
        ...good,
        COUNTERSIGN_TASK_QUEUE: `${id}-nobody`,
        COUNTERSIGN_PDNS_API_KEY: 'not-the-key-at-all',
        COUNTERSIGN_APPROVERS: brokenDirectory,
        COUNTERSIGN_POLICY: brokenPolicy,
      },
    });
    assert.equal(broken.code, 7, broken.stderr);
    const checks = JSON.parse(broken.stdout) as {
      name: string;
      status: string;
      found: string;
      fix?: string;
    }[];
    const byName = new Map(checks.map((c) => [c.name, c]));
    assert.equal(byName.get('Temporal')?.status, 'ok');
    for (const [name, found, fix] of [
      ['workers', /no worker has polled task queue .*-nobody/, /npm run worker/],
      ['PowerDNS', /refused the API key \(HTTP 401\)/, /COUNTERSIGN_PDNS_API_KEY/],
      [
        'approver directory',
        /approvers\.yaml: .*humans\[0\]\.id: Invalid input: expected string/,
        /nobody can approve while it is unreadable/,
      ],
      ['policy', /policy\.yaml is invalid/, /countersign policy check .*policy\.yaml/],
    ] as const) {
      const check = byName.get(name);
      assert.equal(check?.status, 'fail', `${name}: ${JSON.stringify(check)}`);
      assert.match(check.found, found);
      assert.match(check.fix ?? '', fix);
    }
    const unreachable = await runCli(['doctor'], { env: { ...good, TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    assert.equal(unreachable.code, 7);
    assert.match(unreachable.stdout, /FAIL  Temporal +cannot reach 127\.0\.0\.1:1/);
    assert.match(unreachable.stdout, /FAIL  namespace +not checked: the connection must be fixed first/);
    assert.doesNotMatch(unreachable.stderr, /at .*\.js:\d+/, 'no stack trace for an expected failure');
  });

  it('doctor names a stuck change: one whose activity keeps failing, with the failure', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const dir = mkdtempSync(path.join(tmpdir(), 'countersign-stuck-'));
    const policy = path.join(dir, 'policy.yaml');
    writeFileSync(policy, 'version: broken\nrules: [');
    const env = {
      TEMPORAL_ADDRESS: h.env.temporalAddress,
      COUNTERSIGN_TASK_QUEUE: id,
      COUNTERSIGN_PDNS_API_URL: h.env.pdns.apiUrl,
      COUNTERSIGN_PDNS_API_KEY: h.env.pdns.apiKey,
      COUNTERSIGN_APPROVERS: h.approvers.directoryPath,
    };
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'staging',
      change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.46'] },
    });
    // The worker reads a policy that cannot be parsed: nothing can be classified. After two
    // attempts in the worker the step is retried as an ordinary activity, whose attempts and
    // failure Temporal shows; in Temporal's list the change just looks running.
    await withWorker(h, id, { policy: createPolicySource(policy) }, async () => {
      const cs = h.countersign(id);
      await cs.submit(rec);
      const doctor = await eventually(async () => {
        const run = await runCli(['--json', 'doctor'], { env });
        const checks = JSON.parse(run.stdout) as {
          name: string;
          status: string;
          found: string;
          fix?: string;
        }[];
        const stuck = checks.find((c) => c.name === 'stuck changes');
        assert.equal(stuck?.status, 'fail', JSON.stringify(stuck));
        return { run, stuck };
      }, 30_000);
      assert.equal(doctor.run.code, 7);
      assert.match(
        doctor.stuck.found,
        new RegExp(`change-${id}: classify failing \\(attempt \\d+\\): policy .*policy\\.yaml is invalid`),
      );
      assert.match(doctor.stuck.fix ?? '', /it resumes by itself/);
      await cs.handle(id).terminate('test done');
    });
  });
});

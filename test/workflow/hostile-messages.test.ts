import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Payload } from '@temporalio/common';
import { RawValue } from '@temporalio/common';
import fc from 'fast-check';
import { temporal } from '@temporalio/proto';
import { queryRrset } from '../../activities/dns/query';
import { exampleRecommendation } from '../../src/examples';
import type { EvidenceEntry } from '../../src/evidence/chain';
import { stateKey } from '../../src/search-attributes';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone } from '../helpers/zones';
import { decideUpdate } from '../../workflows/messages';

const enc = (s: string) => new TextEncoder().encode(s);
const raw = (encoding: string | null, data: Uint8Array | string): RawValue =>
  RawValue.fromPayload({
    metadata: encoding === null ? {} : { encoding: enc(encoding) },
    data: typeof data === 'string' ? enc(data) : data,
  } satisfies Payload);

/** Every hostile form a message can take, from any client or the Temporal UI's "Send signal" dialog. */
function hostilePayloads(planHash: string): { name: string; value: unknown; code: string }[] {
  const approval = JSON.stringify({ principal: 'alice@example.com', planHash, reason: 'ok' });
  return [
    {
      name: 'json/protobuf (offered by the UI dialog)',
      value: raw('json/protobuf', approval),
      code: 'undecodable_payload',
    },
    { name: 'an unknown encoding', value: raw('evil/x', approval), code: 'undecodable_payload' },
    { name: 'no encoding metadata', value: raw(null, approval), code: 'undecodable_payload' },
    {
      name: 'json/plain that is not JSON',
      value: raw('json/plain', '{"principal": "alice'),
      code: 'undecodable_payload',
    },
    {
      name: 'binary/plain bytes',
      value: raw('binary/plain', new Uint8Array([0, 255, 1, 2])),
      code: 'invalid_payload',
    },
    {
      name: 'nesting 100,000 deep',
      value: raw('json/plain', `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      code: 'undecodable_payload',
    },
    {
      name: 'one megabyte',
      value: { principal: 'alice@example.com', planHash, reason: 'x'.repeat(1024 * 1024) },
      code: 'payload_too_large',
    },
    { name: 'wrong types', value: { principal: 42, planHash: ['a'], reason: null }, code: 'invalid_payload' },
    {
      name: 'an extra field',
      value: { principal: 'alice@example.com', planHash, reason: 'ok', admin: true },
      code: 'invalid_payload',
    },
    { name: 'missing fields', value: { principal: 'alice@example.com' }, code: 'invalid_payload' },
    { name: 'a bare string', value: 'approve!', code: 'invalid_payload' },
    { name: 'null', value: null, code: 'invalid_payload' },
    {
      name: 'a toString trap',
      value: { principal: { toString: 1 }, planHash, reason: 'ok' },
      code: 'invalid_payload',
    },
  ];
}

describe('hostile messages (real Temporal, real PowerDNS)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  async function setup(t: { name: string }) {
    const id = slug(t as never);
    const zone = await createTestZone(h.pdns, id);
    const cs = h.countersign(id);
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      onBehalfOf: 'bob@example.com',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.77'] },
    });
    return { id, zone, cs, rec };
  }

  async function workflowTaskFailures(workflowId: string): Promise<number> {
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).filter(
      (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    ).length;
  }

  it('refuses and records every hostile signal and update, and the change still approves and executes', async (t) => {
    const { id, zone, cs, rec } = await setup(t);
    await withWorker(h, id, {}, async () => {
      const { handle } = await cs.submit(rec);
      const view = await cs.waitForState(id, ['awaiting_approval']);
      const planHash = view.approval?.planHash ?? '';
      const hostile = hostilePayloads(planHash);
      const before = (await cs.evidence(id)).entries.length;

      for (const message of hostile) await handle.signal('approve', message.value as never);
      const verdicts = [];
      for (const message of hostile)
        verdicts.push(await handle.executeUpdate(decideUpdate, { args: [message.value as never] }));
      for (const [i, verdict] of verdicts.entries()) {
        assert.equal(verdict.counted, false, hostile[i]?.name);
        assert.equal(!verdict.counted && verdict.code, hostile[i]?.code, hostile[i]?.name);
      }

      const refusals = await eventually(async () => {
        const { entries, check } = await cs.evidence(id);
        assert.ok(check.ok, 'the evidence chain verifies');
        const found = entries
          .slice(before)
          .filter((e) => e.step === 'approve_refused' || e.step === 'decision_refused');
        assert.equal(found.length, 2 * hostile.length);
        return found;
      });
      for (const [i, message] of hostile.entries()) {
        for (const entry of [refusals[i], refusals[hostile.length + i]] as EvidenceEntry[]) {
          const data = entry.data as { code: string; channel: string; encoding?: string; bytes?: number };
          assert.equal(data.code, message.code, message.name);
          assert.ok(typeof data.bytes === 'number' && data.bytes >= 0, `${message.name}: size recorded`);
        }
      }
      const protobuf = refusals[0]?.data as { encoding: string; channel: string };
      assert.equal(protobuf.encoding, 'json/protobuf');
      assert.equal(protobuf.channel, 'ui');
      assert.equal((refusals[hostile.length]?.data as { channel: string }).channel, 'update');
      // No raw bytes in the evidence: the megabyte reason and the approval text never appear.
      const text = JSON.stringify(refusals);
      assert.ok(!text.includes('x'.repeat(100)), 'an oversized value reached the evidence');
      assert.ok(text.length < 40_000, `refusals are described, not copied (${text.length} characters)`);

      // Queries still answer, also with an argument nobody can decode.
      const answered = await handle.query<{ state: string }, [unknown]>('state', raw('evil/x', 'zz'));
      assert.equal(answered.state, 'awaiting_approval');

      // ... and the change is still decidable: a real approval counts and it executes.
      const approved = await cs.decide(id, {
        key: h.key('alice@example.com'),
        decision: 'approve',
        reason: 'after the noise',
        planHash,
      });
      assert.equal(approved.verdict.counted, true);
      const result = await handle.result();
      assert.equal(result.view.state, 'executed');
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.77']);
      assert.equal(await workflowTaskFailures(handle.workflowId), 0, 'no workflow task ever failed');
    });
  });

  it('fuzz: random payloads of any encoding as signals and updates are each refused and recorded', async (t) => {
    const { id, zone, cs, rec } = await setup(t);
    const seed = Date.now();
    const arbitrary = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }),
      fc
        .tuple(
          fc.constantFrom('json/plain', 'json/protobuf', 'binary/plain', 'binary/null', 'x/y', ''),
          fc.uint8Array({ maxLength: 300 }),
        )
        .map(([encoding, data]) => raw(encoding, data)),
      fc.record({ principal: fc.string(), planHash: fc.string(), reason: fc.string() }),
    );
    const samples = fc.sample(arbitrary, { numRuns: 40, seed });
    await withWorker(h, id, {}, async () => {
      const { handle } = await cs.submit(rec);
      const view = await cs.waitForState(id, ['awaiting_approval']);
      const before = (await cs.evidence(id)).entries.length;
      for (const [i, sample] of samples.entries()) {
        if (i % 2 === 0) await handle.signal('reject', sample as never);
        else {
          const verdict = await handle.executeUpdate(decideUpdate, { args: [sample as never] });
          assert.equal(verdict.counted, false, `seed ${seed}, sample ${i}`);
        }
      }
      await eventually(async () => {
        const { entries, check } = await cs.evidence(id);
        assert.ok(check.ok);
        const refused = entries.slice(before).filter((e) => e.step.endsWith('_refused'));
        assert.equal(refused.length, samples.length, `seed ${seed}: every message is in the evidence`);
      });
      assert.equal(
        (await cs.status(id)).state,
        'awaiting_approval',
        `seed ${seed}: nothing decided the change`,
      );
      const planHash = view.approval?.planHash ?? '';
      await cs.decide(id, {
        key: h.key('alice@example.com'),
        decision: 'approve',
        reason: 'fuzz over',
        planHash,
      });
      assert.equal((await handle.result()).view.state, 'executed');
      assert.deepEqual((await queryRrset(h.env.dns, `api.${zone}`, 'A')).rrset?.records, ['192.0.2.77']);
      assert.equal(await workflowTaskFailures(handle.workflowId), 0, `seed ${seed}`);
    });
  });

  it('a workflow started with garbage input fails at once with the reason, and never looks pending', async (t) => {
    const { id, cs } = await setup(t);
    await withWorker(h, id, {}, async () => {
      const inputs: unknown[] = [
        raw('json/protobuf', '{}'),
        {},
        { recommendation: { id: 'x', confidence: 'high' } },
      ];
      for (const [i, input] of inputs.entries()) {
        const workflowId = `change-${id}-garbage-${i}`;
        // As a client that skipped the SDK would: even claiming to await approval.
        const handle = await h.client.workflow.start('changeWorkflow', {
          workflowId,
          taskQueue: id,
          args: [input as never],
          typedSearchAttributes: [{ key: stateKey, value: 'awaiting_approval' }],
        });
        await assert.rejects(handle.result(), (err: Error) => {
          assert.match(String((err.cause as Error | undefined)?.message), /workflow input refused/);
          return true;
        });
        assert.equal(await workflowTaskFailures(workflowId), 0);
        const status = await cs.status(workflowId).then(
          (view) => assert.fail(`a refused start reads as a change in state ${view.state}`),
          (e: Error) => e,
        );
        assert.match(status.message, /cannot be read \(execution failed\).*workflow input refused/);
      }
      const queue = await cs.pending({ principal: 'alice@example.com', roles: ['sre'] });
      assert.deepEqual(
        queue.changes.filter((c) => c.workflowId.includes(id)),
        [],
      );
      assert.deepEqual(
        queue.unreadable.filter((u) => u.workflowId.includes(id)),
        [],
      );
    });
  });

  it('pending and list tell the truth around terminated and deleted changes', async (t) => {
    const { id, cs, rec } = await setup(t);
    await withWorker(h, id, {}, async () => {
      const ids = ['kept', 'terminated', 'deleted'].map((suffix) => `${id}-${suffix}`);
      for (const rid of ids) await cs.submit({ ...rec, id: rid });
      for (const rid of ids) await cs.waitForState(rid, ['awaiting_approval']);
      await cs.handle(ids[1] ?? '').terminate('operator stopped it during the incident');
      await h.client.workflowService.deleteWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: `change-${ids[2]}` },
      });
      await eventually(async () => {
        const queue = await cs.pending({ principal: 'alice@example.com', roles: ['sre'] });
        assert.deepEqual(
          queue.changes.map((c) => c.workflowId).filter((w) => w.includes(id)),
          [`change-${ids[0]}`],
        );
        const waiting = await cs.list({ state: 'awaiting_approval' });
        assert.deepEqual(
          waiting.map((r) => r.workflowId).filter((w) => w.includes(id)),
          [`change-${ids[0]}`],
        );
        const terminated = await cs.list({ state: 'terminated' });
        assert.ok(terminated.some((r) => r.workflowId === `change-${ids[1]}` && r.state === 'terminated'));
      }, 20_000);
      const status = await cs.status(ids[1] ?? '');
      assert.equal(status.state, 'terminated');
      assert.match(
        status.outcome?.message ?? '',
        /terminated through Temporal by .*: operator stopped it during the incident/,
      );
      await cs.handle(ids[0] ?? '').terminate('test done');
    });
  });
});

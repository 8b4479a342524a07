import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { CountersignClient } from '../../src/client/countersign-client';
import { exampleRecommendation } from '../../src/examples';
import { dataConverter } from '../../src/payloads/data-converter';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { createTestZone } from '../helpers/zones';

type Interceptor = NonNullable<NonNullable<Parameters<typeof Connection.connect>[0]>['interceptors']>[number];

/**
 * A client whose connection records the name of every Temporal RPC it sends (without the SDK's
 * retries, which these interceptors replace: one attempt, one name).
 */
async function countingClient(address: string, taskQueue: string, connect = true) {
  const calls: string[] = [];
  const record: Interceptor = (options, nextCall) => {
    calls.push(options.method_definition.path.split('/').pop() ?? '');
    return nextCall(options) as ReturnType<Interceptor>;
  };
  const options = { address, interceptors: [record] };
  const connection = connect ? await Connection.connect(options) : Connection.lazy(options);
  const cs = new CountersignClient(new Client({ connection, dataConverter }), taskQueue);
  return { cs, calls, close: () => connection.close() };
}

describe('reading a change (real Temporal)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('an open change is read with one query; a closed one without any worker', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const waiting = exampleRecommendation({
      id: `${id}-waiting`,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.55'] },
    });
    const automatic = exampleRecommendation({
      id: `${id}-auto`,
      zone,
      environment: 'staging',
      change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.56'] },
    });
    const cs = h.countersign(id);
    const reader = await countingClient(h.env.temporalAddress, id);
    try {
      await withWorker(h, id, {}, async () => {
        await cs.submit(waiting);
        await cs.waitForState(waiting.id, ['awaiting_approval']);
        await (await cs.submit(automatic)).handle.result();
        reader.calls.length = 0;
        const view = await reader.cs.status(waiting.id);
        assert.equal(view.state, 'awaiting_approval');
        assert.deepEqual(reader.calls, ['QueryWorkflow'], 'an open change: the query alone, no describe');
      });
      // No worker polls the task queue any more: the server refuses the query of a closed change
      // itself instead of waiting for a worker to replay it.
      reader.calls.length = 0;
      const closed = await reader.cs.status(automatic.id);
      assert.equal(closed.state, 'executed');
      assert.deepEqual(reader.calls, [
        'QueryWorkflow',
        'DescribeWorkflowExecution',
        'GetWorkflowExecutionHistory',
      ]);
    } finally {
      await cs.handle(waiting.id).terminate('test done');
      await reader.close();
    }
  });

  it("a waiting change's stack trace names the workflow's source lines (the bundle's lean source map)", async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const waiting = exampleRecommendation({
      id,
      zone,
      environment: 'production',
      change: { kind: 'dns.upsert_rrset', name: `api.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.57'] },
    });
    const cs = h.countersign(id);
    try {
      await withWorker(h, id, {}, async () => {
        await cs.submit(waiting);
        await cs.waitForState(waiting.id, ['awaiting_approval']);
        // What the Temporal UI's stack trace tab and `temporal workflow stack` show an SRE.
        const trace = await cs.handle(waiting.id).query<string>('__stack_trace');
        const frames = [...trace.matchAll(/\(?([^\s()]+\.ts):(\d+):\d+\)?$/gm)].map((m) => ({
          file: m[1] as string,
          line: Number(m[2]),
        }));
        const ours = frames.filter((f) => f.file.includes(`${path.sep}workflows${path.sep}`));
        assert.ok(ours.length > 0, `no frame in the workflows' sources:\n${trace}`);
        assert.doesNotMatch(trace, /workflow-bundle/, 'frames are mapped back to their sources');
        for (const frame of ours) {
          const lines = readFileSync(frame.file, 'utf8').split('\n');
          assert.ok(
            frame.line >= 1 && frame.line <= lines.length,
            `${frame.file}:${frame.line} is past its end`,
          );
        }
      });
    } finally {
      await cs.handle(waiting.id).terminate('test done');
    }
  });

  it('a server that cannot be reached is asked once, not again for the execution', async (t) => {
    const reader = await countingClient('127.0.0.1:1', slug(t), false);
    try {
      await assert.rejects(reader.cs.status('anything'), (err: Error) => {
        assert.equal(err.name, 'ServiceError');
        return true;
      });
      assert.deepEqual(reader.calls, ['QueryWorkflow']);
    } finally {
      await reader.close();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { folderStore } from '../../activities/evidence/folder-store';
import { CountersignClient } from '../../src/client/countersign-client';
import { ledgerWorkflowIdOf } from '../../src/evidence/ledger-protocol';
import { exampleRecommendation } from '../../src/examples';
import { dataConverter } from '../../src/payloads/data-converter';
import { generateEvidenceKey } from '../../workers/evidence-key';
import { createLogger } from '../../workers/logger';
import { installRuntime } from '../../workers/runtime';
import { createTracing, tracingConfigured } from '../../workers/tracing';
import type { Harness } from '../helpers/env';
import { openHarness, slug, withWorker } from '../helpers/env';
import { eventually } from '../helpers/eventually';
import { createTestZone } from '../helpers/zones';

/** JSON log lines written to a stream, parsed. */
function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination: sink }) };
}

const attr = (span: ReadableSpan, key: string) => span.attributes[key];

describe('tracing: one trace per change (real Temporal, real PowerDNS, real OpenTelemetry SDK)', () => {
  let h: Harness;
  let dir: string;
  // Workflow log lines reach pino through the SDK runtime, installed once per process: first here.
  const workflowLogs = logCapture();
  before(async () => {
    installRuntime(workflowLogs.logger);
    h = await openHarness();
    dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-tracing-'));
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('client, workflow, activities and the evidence seal share one trace; every log line names it', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({
      serviceName: 'countersign-test',
      spanProcessor: new SimpleSpanProcessor(exporter),
    });
    const client = new Client({
      connection: h.client.connection,
      dataConverter,
      interceptors: tracing.clientInterceptors,
    });
    const cs = new CountersignClient(client, id);
    const activityLogs = logCapture();
    const signer = generateEvidenceKey(path.join(dir, 'keys'));
    const evidence = { key: signer.key, store: folderStore(path.join(dir, 'store')) };
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'staging',
      change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.91'] },
    });
    const deps = {
      timings: { approvalExpirySeconds: 60, coolingOffSeconds: 2 },
      logger: activityLogs.logger,
    };
    const { spans, workflowId } = await withWorker(h, id, { ...deps, evidence, tracing }, async () => {
      const { handle, workflowId } = await cs.submit(rec);
      assert.equal((await handle.result()).view.state, 'executed');
      // Workflow spans leave the isolate when they end; the seal runs after the change closes.
      const spans = await eventually(async () => {
        const all = exporter.getFinishedSpans();
        assert.ok(
          all.some((s) => s.name === 'RunWorkflow:changeWorkflow'),
          'no RunWorkflow span yet',
        );
        assert.ok(
          all.some((s) => s.name === 'RunActivity:sealChange'),
          'not sealed yet',
        );
        return all;
      }, 30_000);
      return { spans, workflowId };
    });

    const named = (name: string) => spans.filter((s) => s.name === name);
    const one = (name: string) => {
      const found = named(name);
      assert.equal(found.length, 1, `${name}: ${found.length} spans`);
      return found[0]!;
    };
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (span: ReadableSpan) => byId.get(span.parentSpanId ?? '');

    // The client's start is the root of the change's trace.
    const start = one('StartWorkflow:changeWorkflow');
    const traceId = start.spanContext().traceId;
    assert.equal(start.parentSpanId, undefined);
    assert.equal(attr(start, 'temporalWorkflowId'), workflowId);
    const run = one('RunWorkflow:changeWorkflow');
    assert.equal(parentOf(run), start);
    assert.equal(run.spanContext().traceId, traceId);

    // Every activity: scheduled under the workflow's span, run under its schedule, ids attached.
    const runs = spans.filter(
      (s) => s.name.startsWith('RunActivity:') && attr(s, 'temporalWorkflowId') === workflowId,
    );
    const types = runs.map((s) => s.name.slice('RunActivity:'.length));
    for (const type of ['validate', 'classify', 'stage', 'check', 'execute', 'verify', 'requestSeal'])
      assert.ok(types.includes(type), `no RunActivity:${type} in ${types.join(', ')}`);
    for (const activity of runs) {
      const scheduled = parentOf(activity);
      assert.equal(scheduled?.name, activity.name.replace('RunActivity:', 'StartActivity:'));
      assert.equal(parentOf(scheduled), run, `${scheduled.name} is not under RunWorkflow`);
      assert.equal(activity.spanContext().traceId, traceId);
      assert.equal(attr(activity, 'run_id'), attr(start, 'run_id'));
      assert.equal(typeof attr(activity, 'temporalActivityId'), 'string');
    }

    // Asking the ledger to seal continues the trace: the signal and its handling are the change's.
    const requestSeal = runs.find((s) => s.name === 'RunActivity:requestSeal')!;
    const signalWithStart = one('SignalWithStartWorkflow:evidenceLedgerWorkflow');
    assert.equal(parentOf(signalWithStart), requestSeal);
    assert.equal(attr(signalWithStart, 'temporalWorkflowId'), ledgerWorkflowIdOf(id));
    const handled = one('HandleSignal:seal');
    assert.equal(parentOf(handled), signalWithStart);
    assert.equal(handled.spanContext().traceId, traceId);

    // Spans carry ids and types, never payloads: the provider credential is nowhere in them.
    const text = JSON.stringify(
      spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, links: s.links })),
      (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
    );
    assert.equal(text.includes(h.env.pdns.apiKey), false);

    // Activity log lines name the workflow run, the activity and the change's trace.
    const activityLines = activityLogs.lines.filter((l) => l.workflowId === workflowId);
    const messages = activityLines.map((l) => l.msg);
    for (const msg of ['classified', 'staged', 'applied'])
      assert.ok(messages.includes(msg), `no '${msg}' line`);
    for (const line of activityLines) {
      assert.equal(line.trace_id, traceId, `'${String(line.msg)}' lacks the trace id`);
      assert.equal(line.runId, attr(start, 'run_id'));
      assert.equal(typeof line.activityId, 'string');
      assert.equal(typeof line.span_id, 'string');
    }
    // Workflow log lines (through the SDK runtime) carry the same trace id.
    const workflowLines = workflowLogs.lines.filter((l) => l.workflowId === workflowId);
    assert.ok(workflowLines.length > 0, 'no workflow log line');
    for (const line of workflowLines)
      assert.equal(line.trace_id, traceId, `'${String(line.msg)}' lacks the trace id`);
    const logText = JSON.stringify([...activityLogs.lines, ...workflowLogs.lines]);
    assert.equal(logText.includes(h.env.pdns.apiKey), false);

    // Traced histories replay on the same code: the change, a governor it started, the ledger.
    const governorId = attr(
      named('UpdateWithStartWorkflow:admitWithPermit')[0]!,
      'temporalWorkflowId',
    ) as string;
    for (const traced of [workflowId, governorId, ledgerWorkflowIdOf(id)]) {
      const history = await client.workflow.getHandle(traced).fetchHistory();
      await Worker.runReplayHistory(
        { workflowBundle: { codePath: h.env.workflowBundle }, dataConverter, sinks: tracing.workerSinks },
        history,
        traced,
      );
    }
    await tracing.shutdown();
  });

  it('a change started without a trace context is not traced; its log lines still name it', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({
      serviceName: 'countersign-test',
      spanProcessor: new SimpleSpanProcessor(exporter),
    });
    const activityLogs = logCapture();
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'staging',
      change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.92'] },
    });
    const deps = {
      timings: { approvalExpirySeconds: 60, coolingOffSeconds: 2 },
      logger: activityLogs.logger,
    };
    const workflowId = await withWorker(h, id, { ...deps, tracing }, async () => {
      const { handle, workflowId } = await h.countersign(id).submit(rec);
      assert.equal((await handle.result()).view.state, 'executed');
      return workflowId;
    });
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.name),
      [],
    );
    const lines = activityLogs.lines.filter((l) => l.workflowId === workflowId);
    assert.ok(lines.some((l) => l.msg === 'applied'));
    for (const line of lines) {
      assert.equal(typeof line.runId, 'string');
      assert.equal(typeof line.activityId, 'string');
      assert.equal(line.trace_id, undefined);
    }
    await tracing.shutdown();
  });

  it('a start whose trace header is malformed is not traced, and the change still executes', async (t) => {
    const id = slug(t);
    const zone = await createTestZone(h.pdns, id);
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({
      serviceName: 'countersign-test',
      spanProcessor: new SimpleSpanProcessor(exporter),
    });
    // Any caller can put headers on a start: here garbage where the trace context goes.
    const forger = new Client({
      connection: h.client.connection,
      dataConverter,
      interceptors: {
        workflow: [
          {
            start: (input, next) =>
              next({
                ...input,
                headers: {
                  ...input.headers,
                  '_tracer-data': {
                    metadata: { encoding: new TextEncoder().encode('json/plain') },
                    data: new TextEncoder().encode('{"traceparent":"not-a-trace"'),
                  },
                },
              }),
          },
        ],
      },
    });
    const rec = exampleRecommendation({
      id,
      zone,
      environment: 'staging',
      change: { kind: 'dns.upsert_rrset', name: `www.${zone}`, type: 'A', ttl: 300, records: ['192.0.2.93'] },
    });
    await withWorker(
      h,
      id,
      { timings: { approvalExpirySeconds: 60, coolingOffSeconds: 2 }, tracing },
      async () => {
        const { handle } = await new CountersignClient(forger, id).submit(rec);
        assert.equal((await handle.result()).view.state, 'executed');
      },
    );
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.name),
      [],
    );
    await tracing.shutdown();
  });

  it('exports only when an OTLP endpoint is configured', () => {
    assert.equal(tracingConfigured({}), false);
    assert.equal(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }), false);
    assert.equal(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true);
    assert.equal(
      tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }),
      true,
    );
    assert.equal(
      tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }),
      false,
    );
    assert.equal(createTracing({ serviceName: 'countersign-test', env: {} }).exporting, false);
  });
});

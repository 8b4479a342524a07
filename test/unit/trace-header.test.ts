import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { traceHeader } from '../../workflows/tracing-interceptors';

describe('traceHeader', () => {
  it("is the OpenTelemetry interceptors' TRACE_HEADER, which the workflow side reads without loading OpenTelemetry", () =>
    assert.equal(traceHeader, TRACE_HEADER));
});
